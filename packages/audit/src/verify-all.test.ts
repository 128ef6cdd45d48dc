import { afterEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDirStore, createRecorder, digestKey, listSessionIds, loadStoreKeys, sessionPrefix, verifySession, type ObjectStore, type PublishedJwk } from '@snowtrail/recording';
import { verifyAll, type VerifyOutcome } from './verify-all.js';
import { defaultVerifyCacheDir, loadVerifyCache, pruneVerifyCache, saveVerifyCache, verifyCacheFile, type VerifyCacheFile } from './verify-cache.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A directory store with `n` ended sessions (each a statement and a gzip chunk) made by the real recorder. */
async function recordedStore(n: number): Promise<{ root: string; store: ObjectStore; ids: string[]; keys: PublishedJwk[] }> {
  const base = await mkdtemp(join(tmpdir(), 'snowtrail-verify-all-'));
  cleanup.push(() => rm(base, { recursive: true, force: true }));
  const keyFile = join(base, 'key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const root = join(base, 'store');
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 64 * 1024 * 1024, store: { type: 'dir', path: root }, flush: { intervalSeconds: 0.05, maxBytes: 64 * 1024 }, signing: { keyFile }, redact: [] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  for (let i = 0; i < n; i++) {
    const s = await recorder.startSession({ identity: { subject: 'system:serviceaccount:ns:sa', namespace: 'ns', podName: `pod-${i}`, serviceAccount: 'sa' }, policy: { name: 'p', generation: 1 }, snowflake: { account: 'A', user: 'U' }, client: { app: 'JDBC' } });
    await s.queryStarted({ requestId: `r${i}`, sqlText: `select ${i}`, statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' });
    await s.queryEnded({ requestId: `r${i}`, queryId: `q${i}`, status: 'success', rows: 1 });
    const w = s.openResult({ requestId: `r${i}`, part: 'chunk:0', format: 'json', compression: 'gzip' });
    await w.write(gzipSync(Buffer.from(`["${i}"]`)));
    await w.end();
    await s.end('client_logout');
  }
  await recorder.close();
  const store = createDirStore(root);
  return { root, store, ids: await listSessionIds(store), keys: await loadStoreKeys(store) };
}

/** The store, counting reads of segment, blob and index objects (what a full verification reads). */
function counting(store: ObjectStore): ObjectStore & { contentReads: () => number } {
  let n = 0;
  const isContent = (key: string): boolean => /\/(segments|blobs|index)\//.test(key);
  return {
    ...store,
    contentReads: () => n,
    get: (key) => ((n += isContent(key) ? 1 : 0), store.get(key)),
    getStream: (key) => ((n += isContent(key) ? 1 : 0), store.getStream!(key)),
  };
}

const verdicts = (outcomes: VerifyOutcome[]): [string, boolean, boolean][] => outcomes.map((o) => [o.report.sessionId, o.report.ok, o.verifiedEarlier !== undefined]);

async function freshCache(store: ObjectStore, keys: PublishedJwk[]): Promise<VerifyCacheFile> {
  return loadVerifyCache('/nonexistent/cache.json', store, keys);
}

describe('verify --all: parallel and in order', () => {
  it('gives each session the verdict verifying it alone gives, in the order asked, whatever order they finish in', async () => {
    const { root, store, ids, keys } = await recordedStore(6);
    await unlink(join(root, digestKey('', ids[2]!, 1)));
    const seen: number[] = [];
    const outcomes = await verifyAll(store, [...ids].reverse(), keys, { concurrency: 4, onOutcome: (_o, i) => void seen.push(i) });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    const alone = await Promise.all([...ids].reverse().map((id) => verifySession(store, id, keys)));
    expect(outcomes.map((o) => o.report)).toEqual(alone);
    expect(outcomes.filter((o) => !o.report.ok).map((o) => o.report.sessionId)).toEqual([ids[2]]);
  });
});

describe('verify --all: incremental', () => {
  it('does not read again a session verified intact whose digests and objects are unchanged', async () => {
    const { store, ids, keys } = await recordedStore(3);
    const cache = await freshCache(store, keys);
    const first = counting(store);
    expect(verdicts(await verifyAll(first, ids, keys, { cache }))).toEqual(ids.map((id) => [id, true, false]));
    expect(first.contentReads()).toBeGreaterThan(0);
    const second = counting(store);
    expect(verdicts(await verifyAll(second, ids, keys, { cache }))).toEqual(ids.map((id) => [id, true, true]));
    expect(second.contentReads()).toBe(0);
  });

  it('never trusts the cache for a session whose digest objects changed: replaced, removed or added', async () => {
    const { root, store, ids, keys } = await recordedStore(3);
    const cache = await freshCache(store, keys);
    await verifyAll(store, ids, keys, { cache });
    const digest = (id: string, no: number): string => join(root, digestKey('', id, no));
    // Session 0: its digest 1 replaced by session 1's (validly signed, same key).
    await writeFile(digest(ids[0]!, 1), await readFile(digest(ids[1]!, 1)));
    // Session 1: its last digest removed (the session would look open, or shorter).
    const digests1 = await readdir(join(root, sessionPrefix('', ids[1]!), 'digests'));
    await unlink(digest(ids[1]!, digests1.length));
    // Session 2: a digest appended (copied from elsewhere: out of chain).
    await writeFile(digest(ids[2]!, (await readdir(join(root, sessionPrefix('', ids[2]!), 'digests'))).length + 1), await readFile(digest(ids[0]!, 1)));
    const again = await verifyAll(store, ids, keys, { cache });
    expect(verdicts(again)).toEqual(ids.map((id) => [id, false, false]));
    expect(again.map((o) => o.report)).toEqual(await Promise.all(ids.map((id) => verifySession(store, id, keys))));
  });

  it('verifies again a session whose objects were removed, added or resized, and one verified under other keys', async () => {
    const { root, store, ids, keys } = await recordedStore(2);
    const cache = await freshCache(store, keys);
    await verifyAll(store, ids, keys, { cache });
    const segments = join(root, sessionPrefix('', ids[0]!), 'segments');
    await unlink(join(segments, (await readdir(segments))[0]!));
    const blobs = join(root, sessionPrefix('', ids[1]!), 'blobs');
    const blob = join(blobs, (await readdir(blobs))[0]!);
    await writeFile(blob, Buffer.concat([await readFile(blob), Buffer.from('x')]));
    expect(verdicts(await verifyAll(store, ids, keys, { cache }))).toEqual(ids.map((id) => [id, false, false]));

    const other = await recordedStore(1);
    const cache2 = await freshCache(other.store, other.keys);
    await verifyAll(other.store, other.ids, other.keys, { cache: cache2 });
    // The cache was filled under the store's own keys; a run trusting no key must not reuse it.
    const file = join(other.root, '..', 'cache.json');
    await saveVerifyCache(file, cache2);
    const untrusted = await loadVerifyCache(file, other.store, []);
    expect(untrusted.sessions).toEqual({});
    expect(verdicts(await verifyAll(other.store, other.ids, [], { cache: untrusted }))).toEqual([[other.ids[0], false, false]]);
  });

  it('remembers only sessions verified intact: a failing one is verified again every run', async () => {
    const { root, store, ids, keys } = await recordedStore(2);
    const blobs = join(root, sessionPrefix('', ids[0]!), 'blobs');
    await unlink(join(blobs, (await readdir(blobs))[0]!));
    const cache = await freshCache(store, keys);
    await verifyAll(store, ids, keys, { cache });
    expect(Object.keys(cache.sessions)).toEqual([ids[1]]);
    pruneVerifyCache(cache, [ids[0]!]);
    expect(cache.sessions).toEqual({});
    await verifyAll(store, ids, keys, { cache });
    const again = counting(store);
    expect(verdicts(await verifyAll(again, ids, keys, { cache }))).toEqual([[ids[0], false, false], [ids[1], true, true]]);
    expect(again.contentReads()).toBeGreaterThan(0);
  });

  it('what it may skip: a same-size rewrite of a segment is found only by a run without the cache', async () => {
    const { root, store, ids, keys } = await recordedStore(1);
    const cache = await freshCache(store, keys);
    await verifyAll(store, ids, keys, { cache });
    const segments = join(root, sessionPrefix('', ids[0]!), 'segments');
    const seg = join(segments, (await readdir(segments))[0]!);
    const bytes = await readFile(seg);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 12) ^ 0x01, bytes.length - 12);
    await writeFile(seg, bytes);
    expect(verdicts(await verifyAll(store, ids, keys, { cache }))).toEqual([[ids[0], true, true]]);
    expect(verdicts(await verifyAll(store, ids, keys))).toEqual([[ids[0], false, false]]);
  });

  it('a cache file that is damaged, of another version or of another store is an empty cache', async () => {
    const { root, store, keys } = await recordedStore(1);
    const file = verifyCacheFile(join(root, '..', 'cache'), store);
    expect(file).toMatch(/cache\/[0-9a-f]{32}\.json$/);
    await saveVerifyCache(file, { ...(await freshCache(store, keys)), sessions: { x: { fingerprint: 'f', lastDigestSha256: 'd', verifiedAt: 't', report: { sessionId: 'x', ok: true, problems: [], digests: 1, segments: 1, events: 1, keyIds: [] } } } });
    expect(Object.keys((await loadVerifyCache(file, store, keys)).sessions)).toEqual(['x']);
    for (const body of ['{not json', JSON.stringify({ ...(await loadVerifyCache(file, store, keys)), version: 99 }), JSON.stringify({ ...(await loadVerifyCache(file, store, keys)), store: 'dir:/elsewhere' })]) {
      await writeFile(file, body);
      expect((await loadVerifyCache(file, store, keys)).sessions).toEqual({});
    }
  });

  it('lives under the user\'s own folders, and nowhere when there is no home', () => {
    const noHome = (): string => {
      throw new Error('no passwd entry');
    };
    expect(defaultVerifyCacheDir({ SNOWTRAIL_CACHE_DIR: '/c' }, noHome)).toBe('/c/verify');
    expect(defaultVerifyCacheDir({ XDG_CACHE_HOME: '/x' }, noHome)).toBe('/x/snowtrail/verify');
    expect(defaultVerifyCacheDir({ HOME: '/home/a' }, noHome)).toBe('/home/a/.cache/snowtrail/verify');
    expect(defaultVerifyCacheDir({}, () => '/home/b')).toBe('/home/b/.cache/snowtrail/verify');
    expect(defaultVerifyCacheDir({}, noHome)).toBeUndefined();
  });
});
