/**
 * s3rver in a child process (`node --openssl-legacy-provider`: it uses DES for continuation tokens),
 * so tests can stop it and start it again on the same port to simulate an S3 outage. Data lives in a
 * scratch folder that survives restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3ServerBasics, type S3ServerHandle } from './s3-server-handle.js';

/** Options of startS3rver. */
export interface S3rverOptions {
  /** Data folder (a scratch folder, removed on close, when absent). */
  dir?: string;
  port?: number;
}

const CHILD = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({ address: '127.0.0.1', port: Number(process.env.S3RVER_PORT), silent: true, directory: process.env.S3RVER_DIR });
server.run().then((addr) => { process.stdout.write('S3RVER_LISTENING ' + addr.port + '\\n'); });
const stop = () => server.close().then(() => process.exit(0), () => process.exit(0));
process.on('SIGTERM', stop); process.on('SIGINT', stop);
process.on('disconnect', stop);
`;

function runChild(dir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const modulePath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    env: { ...process.env, S3RVER_MODULE: modulePath, S3RVER_PORT: String(port), S3RVER_DIR: dir, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${err}`)), 15_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /S3RVER_LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${String(code)}: ${err}`));
    });
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts s3rver on 127.0.0.1 (credentials S3RVER/S3RVER). */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3ServerHandle> {
  const owned = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  let { child, port } = await runChild(dir, options.port ?? 0);
  let current: ChildProcess | undefined = child;
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKeyId = 'S3RVER';
  const secretAccessKey = 'S3RVER';
  return {
    ...s3ServerBasics(endpoint, port, accessKeyId, secretAccessKey),
    async stop() {
      await stopChild(current);
      current = undefined;
    },
    async start() {
      if (current) return;
      ({ child, port } = await runChild(dir, port));
      current = child;
    },
    async close() {
      await stopChild(current);
      current = undefined;
      if (owned) await rm(dir, { recursive: true, force: true });
    },
  };
}
