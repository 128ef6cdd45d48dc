/**
 * `snowtrail sessions verify --all` as an auditor runs it, against sessions written by the real
 * recorder: output in session order, a local cache that makes the next run skip sessions that are
 * unchanged (and says so), tampering with digests found despite the cache, and --no-cache.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDirStore, createRecorder, digestKey, listSessionIds, sessionPrefix } from '@snowtrail/recording';

jest.setTimeout(180_000);

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
let base: string;
let root: string;
let ids: string[];

function verifyAll(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cacheDir = extra.includes('--cache-dir') ? [] : ['--cache-dir', join(base, 'cache')];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, 'sessions', 'verify', '--all', '--store', `dir:${root}`, ...cacheDir, ...extra], { env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowtrail-verify-all-cli-'));
  root = join(base, 'store');
  const keyFile = join(base, 'key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 64 * 1024 * 1024, store: { type: 'dir', path: root }, flush: { intervalSeconds: 0.05, maxBytes: 64 * 1024 }, signing: { keyFile }, redact: [] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  for (let i = 0; i < 4; i++) {
    const s = await recorder.startSession({ identity: { subject: 'system:serviceaccount:ns:sa', namespace: 'ns', podName: `pod-${i}`, serviceAccount: 'sa' }, policy: { name: 'p', generation: 1 }, snowflake: { account: 'A', user: 'U' }, client: { app: 'JDBC' } });
    await s.queryStarted({ requestId: `r${i}`, sqlText: `select ${i}`, statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' });
    await s.queryEnded({ requestId: `r${i}`, queryId: `q${i}`, status: 'success', rows: 1 });
    await s.end('client_logout');
  }
  await recorder.close();
  ids = await listSessionIds(createDirStore(root));
  // Session 1 is broken from the start: its segments are gone.
  const segments = join(root, sessionPrefix('', ids[1]!), 'segments');
  for (const f of await readdir(segments)) await rm(join(segments, f));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const lineOf = (stdout: string): string[] => stdout.split('\n').filter((l) => /^(OK|FAILED) /.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(' '));

describe('snowtrail sessions verify --all', () => {
  it('reports every session in order, then skips the unchanged intact ones, and finds a digest replaced since', async () => {
    const first = await verifyAll('--concurrency', '3');
    expect(first.code).toBe(1);
    expect(lineOf(first.stdout)).toEqual([`OK ${ids[0]}`, `FAILED ${ids[1]}`, `OK ${ids[2]}`, `OK ${ids[3]}`]);
    expect(first.stdout).not.toContain('unchanged since');
    expect(first.stdout).toContain('4 session(s) verified, 1 failed');

    const second = await verifyAll('-o', 'json');
    expect(second.code).toBe(1);
    const reports = JSON.parse(second.stdout) as { sessionId: string; ok: boolean; verifiedEarlier?: string }[];
    expect(reports.map((x) => [x.sessionId, x.ok, typeof x.verifiedEarlier])).toEqual([
      [ids[0], true, 'string'],
      [ids[1], false, 'undefined'],
      [ids[2], true, 'string'],
      [ids[3], true, 'string'],
    ]);

    // Session 3's first digest replaced by session 2's: validly signed, same key, wrong session.
    await writeFile(join(root, digestKey('', ids[3]!, 1)), await readFile(join(root, digestKey('', ids[2]!, 1))));
    const third = await verifyAll();
    expect(lineOf(third.stdout)).toEqual([`OK ${ids[0]}`, `FAILED ${ids[1]}`, `OK ${ids[2]}`, `FAILED ${ids[3]}`]);
    expect(third.stdout).toMatch(/digest_replaced/);

    const cacheFiles = await readdir(join(base, 'cache'));
    expect(cacheFiles).toHaveLength(1);
    const before = await readFile(join(base, 'cache', cacheFiles[0]!), 'utf8');
    const full = await verifyAll('--no-cache');
    expect(lineOf(full.stdout)).toEqual(lineOf(third.stdout));
    expect(full.stdout).not.toContain('unchanged since');
    expect(await readFile(join(base, 'cache', cacheFiles[0]!), 'utf8')).toBe(before);
  });

  it('--since and --until select sessions by creation day, and only with --all', async () => {
    const later = await verifyAll('--since', '2999-01-01T00:00:00Z');
    expect({ code: later.code, summary: later.stdout.trim().split('\n').at(-1) }).toEqual({ code: 0, summary: '0 session(s) verified, 0 failed' });
    const all = await verifyAll('--since', '2000-01-01T00:00:00Z', '--until', '2999-01-01T00:00:00Z');
    expect(lineOf(all.stdout)).toHaveLength(4);
    const one = await new Promise<number>((resolve) => execFile(process.execPath, ['--import', 'tsx', MAIN, 'sessions', 'verify', ids[0]!, '--since', '1h', '--store', `dir:${root}`], (err) => resolve(err ? Number((err as { code?: number }).code) : 0)));
    expect(one).toBe(2);
  });

  it('a cache folder that cannot be written (read-only filesystem) changes nothing of the verdict, and says so', async () => {
    // A regular file where the folder should be: mkdir fails as it does on a read-only root filesystem.
    const blocked = join(base, 'not-a-folder');
    await writeFile(blocked, 'x');
    const r = await verifyAll('--cache-dir', join(blocked, 'verify'));
    expect(r.code).toBe(1);
    expect(lineOf(r.stdout)).toEqual([`OK ${ids[0]}`, `FAILED ${ids[1]}`, `OK ${ids[2]}`, `FAILED ${ids[3]}`]);
    expect(r.stderr).toContain('could not write the verify cache');
  });
});
