/**
 * `sessions verify --all`: many sessions verified at once (bounded concurrency), reported in the
 * order given whatever order they finish in, and — with a cache — incrementally: a session that
 * verified intact before and whose fingerprint (digest objects, object listing, trusted keys) is
 * unchanged is not read again (verify-cache.ts, ADR 0093).
 */
import { sessionPrefix, verifySession, type ObjectStore, type PublishedJwk, type VerifyReport } from '@snowtrail/recording';
import { sessionFingerprint, type VerifyCacheFile } from './verify-cache.js';

/** Sessions verified at once by default: segments and blobs of several sessions in flight. */
export const VERIFY_CONCURRENCY = 8;

/** One session's outcome. */
export interface VerifyOutcome {
  report: VerifyReport;
  /** Set when the verdict comes from the cache: when the full verification ran. */
  verifiedEarlier?: string;
}

/** Options of verifyAll. */
export interface VerifyAllOptions {
  concurrency?: number;
  /** The store's cache: read for unchanged sessions, updated with sessions verified intact. */
  cache?: VerifyCacheFile;
  /** Called once per session, in the order of `ids`, as soon as it and every session before it are done. */
  onOutcome?: (outcome: VerifyOutcome, index: number) => void | Promise<void>;
  now?: () => Date;
}

async function verifyOne(store: ObjectStore, id: string, keys: PublishedJwk[], options: VerifyAllOptions): Promise<VerifyOutcome> {
  const cache = options.cache;
  if (!cache) return { report: await verifySession(store, id, keys) };
  // Taken before the full read (which reuses its listing): a change made while it runs makes the next run verify again.
  const objects = await store.list(sessionPrefix(store.prefix, id));
  const before = await sessionFingerprint(store, id, objects);
  const hit = cache.sessions[id];
  if (hit && hit.fingerprint === before.fingerprint && hit.report.ok) return { report: hit.report, verifiedEarlier: hit.verifiedAt };
  const report = await verifySession(store, id, keys, { objects });
  if (report.ok) cache.sessions[id] = { ...before, verifiedAt: (options.now?.() ?? new Date()).toISOString(), report };
  else delete cache.sessions[id];
  return { report };
}

/** Verifies the sessions; outcomes come back (and go to onOutcome) in the order of `ids`. */
export async function verifyAll(store: ObjectStore, ids: readonly string[], keys: PublishedJwk[], options: VerifyAllOptions = {}): Promise<VerifyOutcome[]> {
  const limit = Math.max(1, options.concurrency ?? VERIFY_CONCURRENCY);
  const outcomes: (VerifyOutcome | undefined)[] = new Array<VerifyOutcome | undefined>(ids.length);
  let next = 0;
  let reported = 0;
  // Outcomes are handed out strictly in order; one at a time, so a slow sink holds the workers back.
  let flushing = Promise.resolve();
  const flush = (): Promise<void> =>
    (flushing = flushing.then(async () => {
      while (reported < ids.length && outcomes[reported] !== undefined) {
        await options.onOutcome?.(outcomes[reported]!, reported);
        reported++;
      }
    }));
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      outcomes[i] = await verifyOne(store, ids[i]!, keys, options);
      await flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, ids.length)) }, worker));
  await flush();
  return outcomes as VerifyOutcome[];
}
