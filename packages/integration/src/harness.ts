/**
 * End-to-end harness: a token issuer minting kube-apiserver-shaped tokens, the DuckDB emulator as
 * Snowflake, s3rver as the recording store, and the sidecar — in this process (startSidecar) or as
 * the real `snowtrail sidecar --config` child process, so faults can SIGKILL it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snowflake from 'snowflake-sdk';
import { startRadosgw, startS3rver, startTokenIssuer, type MintClaims, type S3ServerHandle, type TokenIssuerHandle } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '@snowtrail/emulator';

snowflake.configure({ logLevel: 'OFF' } as never);

/** The CLI entry point. */
export const CLI_MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
/** The pod the sidecar runs in. */
export const POD_UID = '0b7e3c1a-5d4f-4c2b-9a8e-1f2d3c4b5a69';
/** The pipeline pod's token claims. */
export const POD: MintClaims = { namespace: 'pipelines', podName: 'etl-5c8d-x2v9q', podUid: POD_UID, serviceAccount: 'etl', nodeName: 'node-7' };
/** Password of the emulator user the tests use to look at Snowflake directly (never through the sidecar). */
export const AUDITOR_PASSWORD = 'auditor-pw';

/** A snowflake-sdk connection. */
export type Connection = ReturnType<typeof snowflake.createConnection>;

/** The parts every end-to-end test needs. */
export interface World {
  dir: string;
  issuer: TokenIssuerHandle;
  emulator: EmulatorHandle;
  s3: S3ServerHandle;
  bucket: string;
  /** The sidecar config input (JSON), written to configFile by writeConfig. */
  config: Record<string, unknown>;
  configFile: string;
  writeConfig(): Promise<void>;
  /** `--store` arguments for `snowtrail sessions`. */
  storeArgs: string[];
  /** Environment carrying the S3 credentials (default provider chain). */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** The local S3-compatible server a world records to. */
export type LocalStoreKind = 's3rver' | 'radosgw';

/** Starts issuer, emulator and a local S3 server (s3rver unless `store` says radosgw) and prepares a sidecar config recording to it. */
export async function startWorld(
  options: { emulator?: Partial<EmulatorOptions>; recording?: Record<string, unknown>; bucket?: string; store?: LocalStoreKind; /** A running server to share (not closed with the world); use a bucket of the world's own. */ s3?: S3ServerHandle } = {},
): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-e2e-'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'snowflake-key.p8');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const signingFile = join(dir, 'signing.pem');
  await writeFile(signingFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  const emulator = await startEmulator({
    account: 'SNOWTRAIL',
    users: [
      { name: 'SVC_ETL', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      { name: 'AUDITOR', password: AUDITOR_PASSWORD },
    ],
    initSql: "CREATE SCHEMA IF NOT EXISTS PUBLIC; CREATE TABLE orders (id INTEGER, amount DOUBLE, region VARCHAR, email VARCHAR); INSERT INTO orders VALUES (1, 10.5, 'eu', 'a@x.io'), (2, 20.25, 'us', 'b@y.io'), (3, 5.0, 'eu', 'c@z.io'); CREATE TABLE ledger (id INTEGER);",
    ...options.emulator,
  });
  const s3 = options.s3 ?? (options.store === 'radosgw' ? await startRadosgw() : await startS3rver());
  const bucket = options.bucket ?? 'recordings';
  await s3.createBucket(bucket);
  const endpoint = s3.endpoint;
  const config: Record<string, unknown> = {
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:pipelines:etl'], clockSkewSeconds: 5 },
    upstream: { url: emulator.url, account: 'SNOWTRAIL', user: 'SVC_ETL', database: 'SNOWTRAIL', schema: 'PUBLIC', auth: { type: 'keypair', privateKeyFile: keyFile } },
    policy: { name: 'etl', generation: 1, defaultAction: 'allow', statements: [], limits: {} },
    recording: {
      spoolDir: join(dir, 'spool'),
      store: { type: 's3', bucket, prefix: 'audit', endpoint, region: 'us-east-1', forcePathStyle: true },
      signing: { keyFile: signingFile },
      flush: { intervalSeconds: 1 },
      ...options.recording,
    },
    logLevel: 'silent',
  };
  const configFile = join(dir, 'sidecar.yaml');
  const env = { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' };
  const world: World = {
    dir,
    issuer,
    emulator,
    s3,
    bucket,
    config,
    configFile,
    writeConfig: () => writeFile(configFile, JSON.stringify(config, null, 2)),
    storeArgs: ['--store', `s3://${bucket}/audit`, '--endpoint', endpoint],
    env,
    async close() {
      if (!options.s3) await s3.close();
      await emulator.close();
      await issuer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await world.writeConfig();
  return world;
}

/** A `snowtrail sidecar --config` child process. */
export interface SidecarProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait (clean shutdown: sessions ended, recording flushed). */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Starts the real sidecar process; resolves on its "listening on" line. */
export function startSidecarProcess(world: World): Promise<SidecarProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'sidecar', '--config', world.configFile], { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const waitExit = (): Promise<void> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r())));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sidecar did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /snowtrail sidecar listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          child,
          stderr: () => err,
          async stop() {
            child.kill('SIGTERM');
            await waitExit();
          },
          async kill() {
            child.kill('SIGKILL');
            await waitExit();
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${String(code)}: ${err}`));
    });
  });
}

/** Connects snowflake-sdk to the sidecar with the pod's projected token (OAUTH). */
export async function connectThroughSidecar(world: World, sidecarUrl: string): Promise<Connection> {
  const token = await world.issuer.mint(POD);
  return connect({ accessUrl: sidecarUrl, account: 'SNOWTRAIL', authenticator: 'OAUTH', token });
}

/** Connects snowflake-sdk straight to the emulator as AUDITOR (to see what Snowflake really holds). */
export function connectDirect(world: World): Promise<Connection> {
  return connect({ accessUrl: world.emulator.url, account: 'SNOWTRAIL', username: 'AUDITOR', password: AUDITOR_PASSWORD, database: 'SNOWTRAIL', schema: 'PUBLIC' });
}

/** Connects a driver connection. */
export function connect(options: Record<string, unknown>): Promise<Connection> {
  const conn = snowflake.createConnection(options as never);
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(conn))));
}

/** Runs a statement; resolves with rows, rejects with the driver's error (code, sqlState). */
export function execute(conn: Connection, sqlText: string, binds?: unknown[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      complete: (err: Error | undefined, _s: unknown, rows: unknown[] | undefined) => (err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[])),
    } as never);
  });
}

/** Destroys a connection, ignoring errors. */
export function destroy(conn: Connection | undefined): Promise<void> {
  if (!conn) return Promise.resolve();
  return new Promise((resolve) => conn.destroy(() => resolve()));
}

/** Runs `snowtrail <args>` and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { env: { ...env, NODE_NO_WARNINGS: '1' }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
