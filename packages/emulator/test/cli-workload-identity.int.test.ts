import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTokenIssuer } from '@snowtrail/devkit';
import { post } from './raw.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'packages/cli/src/main.ts');
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF';
const SUBJECT = 'system:serviceaccount:pipelines:etl';

function run(args: string[]): { child: ChildProcess; output: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'emulator', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out, closed: new Promise((r) => child.on('close', r)) };
}

describe('snowtrail emulator --workload-identity (CLI)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('trusts the issuer and subject given on the command line, with the issuer\'s keys from a file', async () => {
    const issuer = await startTokenIssuer({ issuer: ISSUER });
    const dir = await mkdtemp(join(tmpdir(), 'emu-wif-'));
    dirs.push(dir);
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(issuer.jwks));
    const emu = run(['--port', '0', '--account', 'DEMO', '--workload-identity', `SVC_ETL=${ISSUER},${SUBJECT}`, '--workload-identity-jwks', `${ISSUER}=${join(dir, 'jwks.json')}`, '--log-level', 'silent']);
    try {
      const url = await new Promise<string>((res, rej) => {
        const timer = setInterval(() => {
          const m = /snowtrail emulator listening on (http:\/\/\S+)\n/.exec(emu.output());
          if (m) {
            clearInterval(timer);
            res(m[1]!);
          }
        }, 50);
        void emu.closed.then(() => {
          clearInterval(timer);
          rej(new Error(`exited before ready: ${emu.output()}`));
        });
      });
      const claims = { namespace: 'pipelines', podName: 'p', podUid: 'u', serviceAccount: 'etl', audience: 'snowflakecomputing.com' };
      const login = (token: string) => post(url, '/session/v1/login-request', { data: { ACCOUNT_NAME: 'DEMO', AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'OIDC', TOKEN: token } });
      expect(await login(await issuer.mint(claims))).toMatchObject({ success: true });
      expect(await login(await issuer.mint({ ...claims, serviceAccount: 'other' }))).toMatchObject({ success: false, code: '390144', message: 'JWT token is invalid. [subject]' });
    } finally {
      emu.child.kill('SIGTERM');
      await emu.closed;
      await issuer.close();
    }
  }, 60_000);

  it('names the flag and the expected form for a malformed value, exit code 2', async () => {
    const emu = run(['--port', '0', '--workload-identity', 'SVC_ETL=not-a-url']);
    expect(await emu.closed).toBe(2);
    expect(emu.output()).toContain('--workload-identity expects NAME=<issuer>,<subject>[,<audience>], got "not-a-url"');
  }, 60_000);
});
