/**
 * The local verified-state cache of `sessions verify --all` (see docs/adr/0093). It remembers, per
 * store and session, that a session verified intact, together with a fingerprint of what that
 * verdict depended on and may change without re-reading the session's content: every object key
 * and size under the session's folder, the SHA-256 of every digest object's bytes, and the trusted
 * keys. A later run re-verifies a session fully unless that fingerprint is unchanged. Only intact,
 * final sessions are remembered; failures and open sessions are verified again every time.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sessionPrefix, sha256Hex, type ObjectStore, type PublishedJwk, type VerifyReport } from '@snowtrail/recording';

/** Version of the cache file; a file of another version is ignored (and replaced). */
export const VERIFY_CACHE_VERSION = 1;

/** What the cache remembers of one session verified intact. */
export interface VerifiedEntry {
  /** SHA-256 over the session's object listing (key and size) and every digest object's SHA-256. */
  fingerprint: string;
  /** SHA-256 of the last digest object's bytes (the chain tip the verdict covered). */
  lastDigestSha256: string;
  /** When the full verification ran. */
  verifiedAt: string;
  report: VerifyReport;
}

/** The cache of one store. */
export interface VerifyCacheFile {
  version: number;
  type: 'snowtrail.verify-cache';
  store: string;
  /** Fingerprint of the trusted keys the entries were verified with: other keys, no entry applies. */
  trust: string;
  sessions: Record<string, VerifiedEntry>;
}

/**
 * Where cache files live: $SNOWTRAIL_CACHE_DIR, else $XDG_CACHE_HOME/snowtrail, else ~/.cache/snowtrail;
 * then verify/. Undefined when there is no home to put it in (a container user without one): then
 * there is no cache — never a shared folder such as /tmp, where another user could plant entries.
 */
export function defaultVerifyCacheDir(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string | undefined {
  if (env.SNOWTRAIL_CACHE_DIR) return join(env.SNOWTRAIL_CACHE_DIR, 'verify');
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'snowtrail', 'verify');
  let dir = env.HOME;
  if (!dir) {
    try {
      dir = home();
    } catch {
      return undefined;
    }
  }
  return dir ? join(dir, '.cache', 'snowtrail', 'verify') : undefined;
}

/** The cache file of a store inside `dir` (one file a store, named by a hash of its description). */
export function verifyCacheFile(dir: string, store: ObjectStore): string {
  return join(dir, `${sha256Hex(Buffer.from(store.description)).slice(0, 32)}.json`);
}

/** Fingerprint of a set of trusted keys, independent of their order (pure). */
export function trustFingerprint(keys: readonly PublishedJwk[]): string {
  const canonical = keys.map((k) => JSON.stringify(Object.fromEntries(Object.entries(k).sort(([a], [b]) => a.localeCompare(b))))).sort();
  return sha256Hex(Buffer.from(canonical.join('\n')));
}

/**
 * The fingerprint of a session as stored now: one LIST of its folder and one GET of each digest
 * object (small). Any digest replaced, added or removed, and any object added, removed or resized
 * (a truncated segment, a missing blob), changes it. Same-size rewrites of segments, blobs or index
 * parts do not: only a full verification reads those (ADR 0093).
 */
export async function sessionFingerprint(store: ObjectStore, sessionId: string, objects?: { key: string; size: number }[]): Promise<{ fingerprint: string; lastDigestSha256: string }> {
  const base = sessionPrefix(store.prefix, sessionId);
  objects ??= await store.list(base);
  const h = createHash('sha256');
  for (const o of objects) h.update(`${o.key.slice(base.length)}\0${o.size}\n`);
  let lastDigestSha256 = '';
  for (const o of objects) {
    if (!o.key.startsWith(`${base}digests/`)) continue;
    const body = await store.get(o.key);
    lastDigestSha256 = body ? sha256Hex(body) : 'missing';
    h.update(`${o.key.slice(base.length)}\0${lastDigestSha256}\n`);
  }
  return { fingerprint: h.digest('hex'), lastDigestSha256 };
}

function isCacheFile(v: unknown, store: ObjectStore, trust: string): v is VerifyCacheFile {
  const c = v as VerifyCacheFile;
  return typeof c === 'object' && c !== null && c.type === 'snowtrail.verify-cache' && c.version === VERIFY_CACHE_VERSION && c.store === store.description && c.trust === trust && typeof c.sessions === 'object' && c.sessions !== null;
}

/** Loads a store's cache; a missing, unreadable, other-version, other-store or other-keys file is an empty cache. */
export async function loadVerifyCache(file: string, store: ObjectStore, keys: readonly PublishedJwk[]): Promise<VerifyCacheFile> {
  const trust = trustFingerprint(keys);
  const empty: VerifyCacheFile = { version: VERIFY_CACHE_VERSION, type: 'snowtrail.verify-cache', store: store.description, trust, sessions: {} };
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return isCacheFile(parsed, store, trust) ? parsed : empty;
  } catch {
    return empty;
  }
}

/** Drops entries of sessions the store no longer lists (pure apart from the mutated cache). */
export function pruneVerifyCache(cache: VerifyCacheFile, sessionIds: readonly string[]): void {
  const present = new Set(sessionIds);
  for (const id of Object.keys(cache.sessions)) if (!present.has(id)) delete cache.sessions[id];
}

/** Writes the cache atomically (a temporary file renamed over the old one). */
export async function saveVerifyCache(file: string, cache: VerifyCacheFile): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(cache));
  await rename(tmp, file);
}
