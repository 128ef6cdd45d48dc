/**
 * `snowtrail sessions` as an auditor types it: every malformed flag is a usage error (exit 2) that
 * names the flag, before any store is read; store and credential failures have their own exit codes
 * and say what actually went wrong. Each case runs the real CLI as a child process.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3rver, type S3ServerHandle } from '@snowtrail/devkit';

jest.setTimeout(180_000);

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');
const SID = '20261126T100000Z-0123456789ab';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with the AWS credential chain isolated from the machine it runs on. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', AWS_EC2_METADATA_DISABLED: 'true' };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'SNOWTRAIL_STORE']) delete base[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs cases a few at a time (2 cores shared). */
async function runAll<T>(items: T[], fn: (item: T) => Promise<void>, width = 3): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

let dir: string;
let s3: S3ServerHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snowtrail-sessions-usage-'));
  await mkdir(join(dir, 'store'));
  s3 = await startS3rver();
  await s3.createBucket('audit');
});

afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('snowtrail sessions: usage errors and exit codes', () => {
  it('refuses every malformed flag with exit 2 and a message naming it, before reading any store', async () => {
    const store = () => ['--store', `dir:${join(dir, 'store')}`];
    const cases: { args: string[]; stderr: RegExp }[] = [
      { args: ['list', ...store(), '-o', 'xml'], stderr: /argument 'xml' is invalid\. Allowed choices are table, wide, json, yaml/ },
      { args: ['show', SID, ...store(), '-o', 'text'], stderr: /Allowed choices are table, wide, json, yaml/ },
      { args: ['trace', 'DB.S.T', ...store(), '-o', 'csv'], stderr: /Allowed choices are table, wide, json, yaml/ },
      { args: ['verify', SID, ...store(), '-o', 'html'], stderr: /Allowed choices are table, wide, json, yaml/ },
      { args: ['replay', SID, ...store(), '-o', 'csv'], stderr: /Allowed choices are table, wide, json, yaml/ },
      { args: ['export', SID, ...store(), '-o', 'yaml'], stderr: /argument 'yaml' is invalid\. Allowed choices are json, csv, html/ },
      { args: ['show', SID, ...store(), '--results', '--max-rows', 'abc'], stderr: /--max-rows must be a whole number, not "abc"/ },
      { args: ['show', SID, ...store(), '--max-rows', '2.5'], stderr: /--max-rows must be a whole number, not "2\.5"/ },
      { args: ['replay', SID, ...store(), '--speed', 'abc'], stderr: /--speed must be a number ≥ 0 .*not "abc"/ },
      { args: ['replay', SID, ...store(), '--speed', 'Infinity'], stderr: /--speed must be a number ≥ 0/ },
      { args: ['replay', SID, ...store(), '--execute'], stderr: /--execute needs --target, --account and --user \(SNOWTRAIL_ERR_RECORDING_CLI_USAGE\)/ },
      { args: ['replay', SID, ...store(), '--execute', '--target', 'acct.snowflakecomputing.com'], stderr: /--target must be an http\(s\) URL/ },
      { args: ['list', '--store', 's3:/audit'], stderr: /--store s3:\/audit: expected s3:\/\/bucket\/prefix or dir:\/path \(SNOWTRAIL_ERR_RECORDING_CLI_USAGE\)/ },
      { args: ['list', '--store', 'ftp://x'], stderr: /expected s3:\/\/bucket\/prefix or dir:\/path/ },
      { args: ['list', '--store', 's3://Audit_Bucket/x'], stderr: /"Audit_Bucket" is not a valid bucket name/ },
      { args: ['list', '--store', 's3://audit/x?endpont=http://127.0.0.1:9000'], stderr: /unknown store parameter "endpont"/ },
      { args: ['list', '--store', 's3://audit/x?endpoint=127.0.0.1:9000'], stderr: /endpoint must be an http\(s\) URL/ },
      { args: ['list', '--store', 'dir:'], stderr: /dir: needs a path/ },
      { args: ['list', '--store', 's3://audit', '--endpoint', 'localhost:9000'], stderr: /--endpoint must be an http\(s\) URL/ },
      { args: ['list', ...store(), '--since', 'yesterday'], stderr: /not a time: yesterday/ },
      { args: ['verify', ...store()], stderr: /give a session id or --all/ },
      { args: ['verify', SID, '--all', ...store()], stderr: /give a session id or --all, not both/ },
      { args: ['verify', '--all', ...store(), '--concurrency', 'many'], stderr: /--concurrency must be a whole number, not "many"/ },
      { args: ['verify', '--all', ...store(), '--concurrency', '0'], stderr: /--concurrency must be/ },
      { args: ['list'], stderr: /--store is required/ },
    ];
    const failures: string[] = [];
    await runAll(cases, async (c) => {
      const r = await cli(['sessions', ...c.args]);
      if (r.code !== 2 || !c.stderr.test(r.stderr) || r.stdout !== '') failures.push(`${c.args.join(' ')} → exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(0, 80))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
    });
    expect(failures).toEqual([]);
  });

  it('accepts the whole -o vocabulary (yaml included) on a command that prints objects', async () => {
    const yaml = await cli(['sessions', 'list', '--store', `dir:${join(dir, 'store')}`, '-o', 'yaml']);
    expect(yaml).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    const wide = await cli(['sessions', 'list', '--store', `dir:${join(dir, 'store')}`, '-o', 'wide']);
    expect(wide).toEqual({ code: 0, stdout: 'no sessions found\n', stderr: '' });
  });

  it('names the real cause of store failures: missing folder (3), unknown session (5), no local credentials vs refused credentials (4)', async () => {
    const missing = await cli(['sessions', 'list', '--store', `dir:${join(dir, 'nope')}`]);
    expect([missing.code, missing.stderr]).toEqual([3, expect.stringContaining('no such directory')]);
    const unknown = await cli(['sessions', 'show', SID, '--store', `dir:${join(dir, 'store')}`]);
    expect([unknown.code, unknown.stderr]).toEqual([5, expect.stringContaining(`session ${SID} not found`)]);
    const s3store = ['--store', `s3://audit/snowtrail?endpoint=${s3.endpoint}&forcePathStyle=true`];
    const none = await cli(['sessions', 'list', ...s3store]);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('no AWS credentials found locally');
    expect(none.stderr).toContain('the store was not contacted');
    expect(none.stderr).toContain('(SNOWTRAIL_ERR_RECORDING_CLI_NO_CREDENTIALS)');
    expect(none.stderr).not.toContain('access denied');
    const refused = await cli(['sessions', 'list', ...s3store], { AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('access denied by the store');
    expect(refused.stderr).toContain('(SNOWTRAIL_ERR_RECORDING_STORE_AUTH)');
    const allowed = await cli(['sessions', 'list', ...s3store, '-o', 'json'], { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey });
    expect(allowed).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});
