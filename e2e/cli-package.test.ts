/**
 * The installable CLI as an auditor gets it: the npm package is built, packed with `pnpm pack`,
 * installed from the tarball into an empty directory outside the repository (no workspace
 * node_modules to fall back on, no network), and run from there against a real recording.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRecorder } from '@snowtrail/recording';
import { buildCliPackage, type CliPackage } from '../scripts/build-cli-package.js';

jest.setTimeout(240_000);

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Without the npm_* variables a package-manager parent (pnpm test) exports: an auditor's shell has none.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    execFile(command, args, { cwd, env: { ...env, NODE_NO_WARNINGS: '1' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Writes one finished, signed session into a dir store, as a sidecar would. */
async function recordSession(base: string): Promise<{ store: string; sessionId: string }> {
  const store = join(base, 'store');
  mkdirSync(base, { recursive: true });
  const keyFile = join(base, 'signing.pem');
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 16 << 20, store: { type: 'dir', path: store }, flush: { intervalSeconds: 0.2, maxBytes: 1 << 20 }, signing: { keyFile }, redact: [] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  const s = await recorder.startSession({
    identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'etl-1', podUid: 'uid-1', serviceAccount: 'etl' },
    policy: { name: 'etl', generation: 1 },
    snowflake: { account: 'SNOWTRAIL', user: 'SVC_ETL' },
    client: { app: 'JavaScript', version: '3.3.0', address: '127.0.0.1' },
  });
  await s.queryStarted({ requestId: 'q1', sqlText: 'insert into analytics.public.daily select 1', statements: [{ class: 'INSERT', reads: [], writes: ['ANALYTICS.PUBLIC.DAILY'] }], decision: 'allow' });
  await s.queryEnded({ requestId: 'q1', queryId: '01c0ffee-0000-0000-0000-000000000001', status: 'success', rows: 1 });
  await s.end('client_logout');
  await recorder.close();
  return { store, sessionId: s.sessionId };
}

describe('the snowtrail npm package, installed from its tarball', () => {
  const base = mkdtempSync(join(tmpdir(), 'snowtrail-cli-package-'));
  const clean = join(base, 'clean');
  let pkg: CliPackage;
  let tarball: string;
  let snowtrail: string;

  beforeAll(async () => {
    pkg = await buildCliPackage({ outdir: join(base, 'package'), version: '9.8.7-test' });
    const packed = await run('pnpm', ['pack', '--pack-destination', base], pkg.dir);
    expect(packed.code).toBe(0);
    tarball = join(base, readdirSync(base).find((f) => f.endsWith('.tgz'))!);
    const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', clean, tarball], base);
    expect({ code: installed.code, stderr: installed.stderr }).toEqual({ code: 0, stderr: '' });
    snowtrail = join(clean, 'node_modules', '.bin', 'snowtrail');
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('has a bin and no dependencies to download', () => {
    expect(pkg.manifest).toMatchObject({ name: 'snowtrail', bin: { snowtrail: 'bin/snowtrail.mjs' } });
    expect(pkg.manifest).not.toHaveProperty('dependencies');
    const installed = JSON.parse(readFileSync(join(clean, 'node_modules', 'snowtrail', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe('9.8.7-test');
    expect(readdirSync(join(clean, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['snowtrail']);
  });

  it('runs `snowtrail --version` from the clean directory', async () => {
    const out = await run(snowtrail, ['--version'], clean);
    expect({ code: out.code, stdout: out.stdout.trim() }).toEqual({ code: 0, stdout: '9.8.7-test' });
  });

  it('lists and verifies a recorded session', async () => {
    const { store, sessionId } = await recordSession(join(base, 'rec'));
    const list = await run(snowtrail, ['sessions', 'list', '--store', `dir:${store}`, '--json'], clean);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { sessionId: string }[]).map((s) => s.sessionId)).toEqual([sessionId]);
    const verify = await run(snowtrail, ['sessions', 'verify', '--store', `dir:${store}`, sessionId], clean);
    expect(verify.code).toBe(0);
  });

  it('says what is missing when the emulator needs DuckDB', async () => {
    const out = await run(snowtrail, ['emulator', '--port', '0'], clean);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('SNOWTRAIL_ERR_CLI_UNAVAILABLE');
    expect(out.stderr).toContain('npm install -g @duckdb/node-api@');
  });
});
