import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseOptions, connect, destroy, execute, rsaKeyPair } from './driver.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'packages/cli/src/main.ts');

const children: ChildProcess[] = [];

function run(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'emulator', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** Runs to completion; resolves with exit code and output. */
function runToEnd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = run(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

/** Waits for the ready line; resolves with the URL. */
function ready(child: ChildProcess): Promise<{ url: string; stdout: () => string }> {
  let out = '';
  let err = '';
  return new Promise((res, rej) => {
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^snowtrail emulator listening on (http:\/\/\S+)\n/.exec(out);
      if (m) res({ url: m[1]!, stdout: () => out });
    });
    child.on('close', (code) => rej(new Error(`exited ${code} before ready: ${err}`)));
  });
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.on('close', r));
    }
  }
});

describe('snowtrail emulator (CLI)', () => {
  it('starts with every user flag, prints one ready line, serves the driver, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-cli-'));
    const keys = rsaKeyPair();
    await writeFile(join(dir, 'alice.pub.pem'), keys.publicKeyPem);
    const child = run([
      '--host', '127.0.0.1', '--port', '0', '--account', 'DEMO',
      '--user', 'BOB:secret', '--user', 'CAROL:pw',
      '--user-public-key', `ALICE=${join(dir, 'alice.pub.pem')}`,
      '--oauth-token', 'DAVE=tok-1', '--pat', 'ERIN=pat-1',
      '--init', join(ROOT, 'packages/emulator/sample/demo.sql'),
      '--log-level', 'silent',
    ]);
    const { url, stdout } = await ready(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const viaKey = await connect({ ...baseOptions(url, 'DEMO'), username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: keys.privateKeyPem });
    expect((await execute(viaKey, 'select count(*) as n from raw.public.customers')).rows).toEqual([{ N: 4 }]);
    expect((await execute(viaKey, 'select count(*) as n from raw.public.events')).rows).toEqual([{ N: 50000 }]);
    await destroy(viaKey);
    for (const opts of [
      { username: 'bob', password: 'secret' },
      { username: 'carol', password: 'pw' },
      { authenticator: 'OAUTH', token: 'tok-1' },
      { username: 'erin', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: 'pat-1' },
    ]) {
      const c = await connect({ ...baseOptions(url, 'DEMO'), ...opts });
      expect((await execute(c, 'select current_account() as a')).rows).toEqual([{ A: 'DEMO' }]);
      await destroy(c);
    }

    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stdout().trim().split('\n')).toEqual([`snowtrail emulator listening on ${url}`]);
  });

  it('applies fault flags at start and exposes them at /__emulator/faults', async () => {
    const child = run(['--port', '0', '--log-level', 'silent', '--user', 'BOB:pw', '--fault-delay-ms', '5', '--fault-server-error', '1:502:login', '--fault-corrupt-chunk', '2', '--faults', '{"throttleBytesPerSecond":1000000}']);
    const { url } = await ready(child);
    const res = await fetch(`${url}/__emulator/faults`);
    expect(((await res.json()) as { faults: unknown }).faults).toEqual({
      delayMs: 5,
      throttleBytesPerSecond: 1_000_000,
      serverError: { count: 1, status: 502, target: 'login' },
      corruptChunk: { count: 2 },
    });
    // The driver's first login gets the 502 and is retried.
    const c = await connect({ ...baseOptions(url), username: 'bob', password: 'pw' });
    const after = (await (await fetch(`${url}/__emulator/faults`)).json()) as { stats: { serverErrors: number } };
    expect(after.stats.serverErrors).toBe(1);
    await destroy(c);
  });

  it('documents every flag in --help', async () => {
    const { code, stdout } = await runToEnd(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--host', '--port', '--account', '--user ', '--user-public-key', '--oauth-token', '--pat', '--init', '--inline-rows', '--rows-per-chunk',
      '--max-inline-bytes', '--session-validity', '--master-validity', '--query-wait-ms', '--log-level', '--faults', '--fault-delay-ms',
      '--fault-server-error', '--fault-reset', '--fault-corrupt-chunk', '--fault-withhold-chunk', '--fault-throttle', '/__emulator/faults',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it.each([
    [['--user', 'nocolon'], /--user expects NAME:PASSWORD, got "nocolon"/],
    [['--port', 'abc'], /--port expects a non-negative integer/],
    [['--init', '/nonexistent/init.sql'], /cannot read --init file \/nonexistent\/init\.sql: ENOENT/],
    [['--user-public-key', 'ALICE=/nonexistent/key.pem'], /cannot read --user-public-key file/],
    [['--fault-server-error', '2:503:nowhere'], /target must be one of/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('refuses %j with a clear message and a non-zero exit', async (args, message) => {
    const { code, stderr, stdout } = await runToEnd(args.includes('--port') ? args : [...args, '--port', '0']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('listening');
  });

  it('refuses a public key file that is not an RSA public key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-cli-'));
    await writeFile(join(dir, 'bad.pem'), 'not a key');
    const { code, stderr } = await runToEnd(['--port', '0', '--user-public-key', `ALICE=${join(dir, 'bad.pem')}`]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/public key of user ALICE is not a PEM public key \(SNOWTRAIL_ERR_EMULATOR_INVALID_PUBLIC_KEY\)/);
  });

  it('names the failing init statement', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-cli-'));
    await writeFile(join(dir, 'bad.sql'), 'create database d;\nselect * from missing_table;');
    const { code, stderr } = await runToEnd(['--port', '0', '--init', join(dir, 'bad.sql')]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/init SQL statement 2 failed: SQL compilation error:\nObject 'MISSING_TABLE' does not exist/);
  });
});
