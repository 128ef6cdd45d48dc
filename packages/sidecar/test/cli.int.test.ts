import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTokenIssuer, type TokenIssuerHandle } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle } from '@snowtrail/emulator';
import { connect, destroy, execute, POD_CLAIMS, POD_UID } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = ['--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts')];

/** Runs the CLI to completion. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('snowtrail sidecar --config', () => {
  let dir: string;
  let issuer: TokenIssuerHandle;
  let emulator: EmulatorHandle;
  let child: ChildProcess | undefined;
  let configFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snowtrail-cli-'));
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'key.p8'), privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' }).toString());
    await writeFile(join(dir, 'passphrase'), 'pass-phrase\n');
    await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    issuer = await startTokenIssuer();
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(issuer.jwks));
    emulator = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'SVC_ETL', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] });
    configFile = join(dir, 'config.yaml');
    await writeFile(
      configFile,
      `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
identity:
  issuer: ${issuer.issuer}
  jwksFile: ${join(dir, 'jwks.json')}
  podUid: ${POD_UID}
  allowedSubjects: [system:serviceaccount:pipelines:etl]
upstream:
  url: ${emulator.url}
  account: SNOWTRAIL
  user: SVC_ETL
  auth: { type: keypair, privateKeyFile: ${join(dir, 'key.p8')}, privateKeyPassphraseFile: ${join(dir, 'passphrase')} }
recording:
  spoolDir: ${join(dir, 'spool')}
  store: { type: dir, path: ${join(dir, 'store')} }
  signing: { keyFile: ${join(dir, 'signing.pem')} }
logLevel: warn
`,
    );
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await emulator.close();
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 naming the key for an unknown key or a bad value', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'identity: { issuer: x, jwksFile: /j, allowedSubjects: [a] }\nupstream: { url: http://x, account: A, user: U, auth: { type: keypair, privateKeyFile: /k } }\nrecording: { store: { type: dir, path: /r }, signing: { keyFile: /s } }\nlisten: { prot: 1 }\nadmin: { port: -1 }\n');
    const r = await run(['sidecar', '--config', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('listen.prot: unknown key');
    expect(r.stderr).toContain('admin.port');
  });

  it('starts, prints its address, proxies a driver with an encrypted key-pair credential, and closes on SIGTERM', async () => {
    child = spawn(process.execPath, [...CLI, 'sidecar', '--config', configFile], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /snowtrail sidecar listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) res(m[1]!);
      });
      child!.on('exit', (code) => rej(new Error(`exited ${code}`)));
    });
    const conn = await connect({ accessUrl: url, account: 'SNOWTRAIL', authenticator: 'OAUTH', token: await issuer.mint(POD_CLAIMS) });
    const { rows } = await execute(conn, 'select 1 as one');
    expect(rows).toEqual([{ ONE: 1 }]);
    await destroy(conn);
    const exit = new Promise<number | null>((res) => child!.on('exit', (code) => res(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = undefined;
  });
});
