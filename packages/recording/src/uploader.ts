/**
 * Ships sealed segments to the store: gzip, PUT with our own checksums, retried with capped jittered
 * backoff until acknowledged; then the session's index part and signed digest. Spool files are
 * deleted only after the digest that lists them is acknowledged, so a crash at any point re-uploads
 * (idempotently) instead of losing anything.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Logger } from 'pino';
import { sha256Hex } from './chain.js';
import { buildDigestPayload, signDigest, verifyDigest, type DigestPayload, type DigestSegment } from './digest.js';
import { buildIndexPart } from './index-object.js';
import type { PublishedJwk, SigningKey } from './keys.js';
import { digestKey, indexKey, relativeToSession, segmentKey } from './layout.js';
import { blobRefsOfSegment, digestBlobs, freeBlobs, uploadBlobs } from './blob-upload.js';
import type { RecordingMetrics } from './metrics.js';
import type { SealedSegment, SessionWriter } from './session-writer.js';
import type { SpoolFs } from './spool-fs.js';
import { saveState, type SessionState } from './spool-state.js';
import type { ObjectStore, PutOptions } from './store.js';
import { backoffDelay, sleep } from './backoff.js';
import type { ByteBudget } from './byte-budget.js';
import { RECORDING_ERRORS, RecordingError } from './errors.js';

const gzip = promisify(gzipCb);

/** What the uploader needs. */
export interface UploaderDeps {
  store: ObjectStore;
  /** The spool's file layer. */
  fs: SpoolFs;
  key: SigningKey;
  metrics: RecordingMetrics;
  logger: Logger;
  now: () => number;
  /** Stops retry sleeps early on close. */
  signal: AbortSignal;
  /** Per-session persisted state (digest chain). */
  states: Map<string, SessionState>;
  /** Called when a session's spool folder is gone (final digest acknowledged). */
  onSessionDone(writer: SessionWriter): void;
  onSpoolFreed(bytes: number): void;
  /** Told of every failed spool write (ENOSPC releases the spool reserve). */
  onWriteFailure?(err: unknown): void;
  random?: () => number;
  /** Bytes of blob bodies held in memory at once, shared by every session's uploads. */
  bodyBudget: ByteBudget;
  /** Blobs of one session uploaded at once (default BLOBS_IN_FLIGHT). */
  blobsInFlight?: number;
}

/** Puts one object, retrying until acknowledged or the uploader is stopped. */
export async function putWithRetry(deps: UploaderDeps, key: string, body: Uint8Array, options: PutOptions, stopWhen: () => boolean): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const started = process.hrtime.bigint();
    try {
      await deps.store.put(key, body, options);
      deps.metrics.uploads.inc({ outcome: 'success' });
      deps.metrics.uploadDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return true;
    } catch (err) {
      deps.metrics.uploads.inc({ outcome: 'failure' });
      const e = err as { code?: string; message?: string };
      if (attempt === 0 || attempt % 20 === 0) deps.logger.warn({ err: { code: e.code, message: e.message }, key, attempt }, 'recording upload failed, retrying');
      if (stopWhen()) return false;
      await sleep(backoffDelay(attempt, deps.random), deps.signal);
      if (stopWhen()) return false;
    }
  }
}

/** Uploads a session's sealed segments, then its index part and digest; returns false if stopped early. */
export async function uploadSession(deps: UploaderDeps, writer: SessionWriter, stopWhen: () => boolean): Promise<boolean> {
  const state = deps.states.get(writer.sessionId)!;
  if (writer.shouldReconcile) {
    if (!(await reconcileWithStore(deps, writer, state, stopWhen))) return false;
    writer.shouldReconcile = false;
    if (!deps.states.has(writer.sessionId)) return true;
  }
  if (writer.isFinished) return finishSession(deps, writer);
  const prefix = deps.store.prefix;
  for (const seg of [...writer.sealed]) {
    if (seg.uploaded) continue;
    const raw = await deps.fs.readFile(seg.path);
    if (writer.formatVersion === 2) seg.blobs = blobRefsOfSegment(raw);
    const body = await gzip(raw);
    const sha = sha256Hex(body);
    const key = segmentKey(prefix, writer.sessionId, seg.no);
    if (!(await putWithRetry(deps, key, body, { contentType: 'application/gzip', sha256: sha }, stopWhen))) return false;
    seg.uploaded = { key, sha256: sha, bytes: body.length };
    deps.metrics.uploadLag.observe(Math.max(0, deps.now() - seg.firstTime) / 1000);
  }
  const ready = writer.sealed.filter((s) => s.uploaded);
  const isFinal = writer.final && writer.isDrained && ready.length === writer.sealed.length;
  if (ready.length === 0 && !isFinal) return true;
  const v2 = writer.formatVersion === 2;
  const blobs = v2 ? digestBlobs(ready.flatMap((s) => s.blobs ?? [])) : [];
  // Blobs before the digest that covers them: a digest never lists a blob the store lacks.
  if (v2 && !(await uploadBlobs(deps, writer, blobs, stopWhen))) return false;
  // v2 digests and index parts name objects relative to the session: a copied recording verifies.
  const rel = (key: string): string => (v2 ? relativeToSession(prefix, writer.sessionId, key) : key);
  const no = state.digestNo + 1;
  const segments: DigestSegment[] = ready.map((s) => ({ no: s.no, key: rel(s.uploaded!.key), sha256: s.uploaded!.sha256, bytes: s.uploaded!.bytes, firstSeq: s.firstSeq, lastSeq: s.lastSeq, lastHash: s.lastHash }));
  const lastSeg = ready[ready.length - 1];
  const chainHead = lastSeg ? { seq: lastSeg.lastSeq, hash: lastSeg.lastHash } : state.chainHead;
  // Snapshot: a statement updated while this round uploads (e.g. its query.end) stays touched for the next part.
  const touched = [...writer.touched.values()].map((t) => ({ ...t }));
  const snapshot = new Map(touched.map((t) => [t.seq, JSON.stringify(t)]));
  const summary = { ...writer.summary };
  const index = buildIndexPart({
    version: writer.formatVersion,
    sessionId: writer.sessionId,
    no,
    summary,
    segments: ready.map((s) => ({ no: s.no, key: rel(s.uploaded!.key), firstSeq: s.firstSeq, lastSeq: s.lastSeq, firstTime: new Date(s.firstTime).toISOString(), lastTime: new Date(s.lastTime).toISOString() })),
    statements: touched,
  });
  const indexBody = Buffer.from(JSON.stringify(index));
  const iKey = indexKey(prefix, writer.sessionId, no);
  const iSha = sha256Hex(indexBody);
  if (!(await putWithRetry(deps, iKey, indexBody, { contentType: 'application/json', sha256: iSha }, stopWhen))) return false;
  const payload = buildDigestPayload({
    version: writer.formatVersion,
    sessionId: writer.sessionId,
    no,
    now: deps.now(),
    final: isFinal,
    status: isFinal ? writer.summary.status : 'open',
    previousDigest: state.lastDigest,
    segments,
    index: { key: rel(iKey), sha256: iSha, bytes: indexBody.length },
    chainHead,
    totalSegments: state.totalSegments + segments.length,
    ...(v2 ? { blobs } : {}),
  });
  const jws = Buffer.from(await signDigest(payload, deps.key));
  const dKey = digestKey(prefix, writer.sessionId, no);
  const dSha = sha256Hex(jws);
  if (!(await putWithRetry(deps, dKey, jws, { contentType: 'application/jose', sha256: dSha }, stopWhen))) return false;
  // Acknowledged: the digest covers these segments. The chain advances in memory at once (the store
  // is the truth: never sign these segments again); the state file follows, retried until written.
  for (const [seq, json] of snapshot) {
    const current = writer.touched.get(seq);
    if (current && JSON.stringify(current) === json) writer.touched.delete(seq);
  }
  return commitDigest(deps, writer, state, payload, dSha, ready, stopWhen);
}

/**
 * Applies an acknowledged digest to the session's state, saves the state (retried: a full or
 * failing disk delays it, never forks the chain), then frees the segments it covers.
 */
async function commitDigest(deps: UploaderDeps, writer: SessionWriter, state: SessionState, payload: DigestPayload, sha256: string, covered: SealedSegment[], stopWhen: () => boolean): Promise<boolean> {
  state.digestNo = payload.no;
  const dKey = digestKey(deps.store.prefix, writer.sessionId, payload.no);
  state.lastDigest = { no: payload.no, key: payload.version >= 2 ? relativeToSession(deps.store.prefix, writer.sessionId, dKey) : dKey, sha256 };
  state.totalSegments = payload.totalSegments;
  state.chainHead = payload.chainHead;
  state.summary = { ...writer.summary };
  for (const s of payload.segments) state.digestedThrough = Math.max(state.digestedThrough, s.no);
  writer.sealed = writer.sealed.filter((s) => !covered.includes(s));
  if (payload.final) writer.isFinished = true;
  if (!(await saveStateUntilDone(deps, writer.dir, state, stopWhen))) {
    // Stopped before the state was written: the next start finds this digest in the store.
    writer.shouldReconcile = true;
    return false;
  }
  let freed = 0;
  for (const s of covered) {
    // A segment that cannot be deleted now is deleted by the next start (it is digested).
    await deps.fs.unlink(s.path).catch(() => undefined);
    freed += s.bytes;
  }
  deps.onSpoolFreed(freed);
  // Blob files count against spoolMaxBytes too: freeing one gives its space back.
  if (payload.blobs) await freeBlobs(writer, payload.blobs);
  if (writer.isFinished) return finishSession(deps, writer);
  return true;
}

async function saveStateUntilDone(deps: UploaderDeps, dir: string, state: SessionState, stopWhen: () => boolean): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await saveState(deps.fs, dir, state);
      return true;
    } catch (err) {
      deps.onWriteFailure?.(err);
      if (attempt === 0 || attempt % 20 === 0) deps.logger.error({ err, dir, attempt }, 'saving the recording spool state failed, retrying');
      if (stopWhen()) return false;
      await sleep(backoffDelay(attempt, deps.random, 50, 2000), deps.signal);
      if (stopWhen()) return false;
    }
  }
}

/**
 * After a restart the store may already hold the digest that follows the saved state (the process
 * stopped between the digest's PUT and the state save): adopt it instead of signing that number
 * again. It must be ours and continue our digest chain; anything else is left for an operator.
 */
async function reconcileWithStore(deps: UploaderDeps, writer: SessionWriter, state: SessionState, stopWhen: () => boolean): Promise<boolean> {
  for (;;) {
    const key = digestKey(deps.store.prefix, writer.sessionId, state.digestNo + 1);
    const jws = await deps.store.get(key);
    if (!jws) return true;
    const check = await verifyDigest(jws.toString('utf8'), [deps.key.publicJwk as PublishedJwk]);
    const previous = state.lastDigest?.key ?? null;
    if (!check.ok || (check.payload.previousDigest?.key ?? null) !== previous) {
      throw new RecordingError(RECORDING_ERRORS.store, `${key} exists but does not continue this session's digest chain; not overwriting it`);
    }
    deps.logger.info({ sessionId: writer.sessionId, no: check.payload.no }, 'adopting a digest written before a restart');
    const covered = writer.sealed.filter((s) => check.payload.segments.some((d) => d.no === s.no));
    if (!(await commitDigest(deps, writer, state, check.payload, sha256Hex(jws), covered, stopWhen))) return false;
    if (writer.isFinished) return true;
  }
}

async function finishSession(deps: UploaderDeps, writer: SessionWriter): Promise<boolean> {
  await deps.fs.rmTree(writer.dir);
  writer.blobSpace.clear();
  deps.states.delete(writer.sessionId);
  deps.onSessionDone(writer);
  return true;
}
