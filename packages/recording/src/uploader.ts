/**
 * Ships sealed segments to the store: gzip, PUT with our own checksums, retried with capped jittered
 * backoff until acknowledged; then the session's index part and signed digest. Spool files are
 * deleted only after the digest that lists them is acknowledged, so a crash at any point re-uploads
 * (idempotently) instead of losing anything.
 */
import { readFile, rm, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Logger } from 'pino';
import { sha256Hex } from './chain.js';
import { buildDigestPayload, signDigest, type DigestSegment } from './digest.js';
import { buildIndexPart } from './index-object.js';
import type { SigningKey } from './keys.js';
import { digestKey, indexKey, segmentKey } from './layout.js';
import type { RecordingMetrics } from './metrics.js';
import type { SessionWriter } from './session-writer.js';
import { saveState, type SessionState } from './spool-state.js';
import type { ObjectStore, PutOptions } from './store.js';
import { backoffDelay, sleep } from './backoff.js';

const gzip = promisify(gzipCb);

/** What the uploader needs. */
export interface UploaderDeps {
  store: ObjectStore;
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
  random?: () => number;
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
  const prefix = deps.store.prefix;
  for (const seg of [...writer.sealed]) {
    if (seg.uploaded) continue;
    const raw = await readFile(seg.path);
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
  const state = deps.states.get(writer.sessionId)!;
  const no = state.digestNo + 1;
  const segments: DigestSegment[] = ready.map((s) => ({ no: s.no, key: s.uploaded!.key, sha256: s.uploaded!.sha256, bytes: s.uploaded!.bytes, firstSeq: s.firstSeq, lastSeq: s.lastSeq, lastHash: s.lastHash }));
  const lastSeg = ready[ready.length - 1];
  const chainHead = lastSeg ? { seq: lastSeg.lastSeq, hash: lastSeg.lastHash } : state.chainHead;
  // Snapshot: a statement updated while this round uploads (e.g. its query.end) stays touched for the next part.
  const touched = [...writer.touched.values()].map((t) => ({ ...t }));
  const snapshot = new Map(touched.map((t) => [t.seq, JSON.stringify(t)]));
  const summary = { ...writer.summary };
  const index = buildIndexPart({
    sessionId: writer.sessionId,
    no,
    summary,
    segments: ready.map((s) => ({ no: s.no, key: s.uploaded!.key, firstSeq: s.firstSeq, lastSeq: s.lastSeq, firstTime: new Date(s.firstTime).toISOString(), lastTime: new Date(s.lastTime).toISOString() })),
    statements: touched,
  });
  const indexBody = Buffer.from(JSON.stringify(index));
  const iKey = indexKey(prefix, writer.sessionId, no);
  const iSha = sha256Hex(indexBody);
  if (!(await putWithRetry(deps, iKey, indexBody, { contentType: 'application/json', sha256: iSha }, stopWhen))) return false;
  const payload = buildDigestPayload({
    sessionId: writer.sessionId,
    no,
    now: deps.now(),
    final: isFinal,
    status: isFinal ? writer.summary.status : 'open',
    previousDigest: state.lastDigest,
    segments,
    index: { key: iKey, sha256: iSha, bytes: indexBody.length },
    chainHead,
    totalSegments: state.totalSegments + segments.length,
  });
  const jws = Buffer.from(await signDigest(payload, deps.key));
  const dKey = digestKey(prefix, writer.sessionId, no);
  const dSha = sha256Hex(jws);
  if (!(await putWithRetry(deps, dKey, jws, { contentType: 'application/jose', sha256: dSha }, stopWhen))) return false;
  // Acknowledged: the digest covers these segments; only now is their spool space freed.
  for (const [seq, json] of snapshot) {
    const current = writer.touched.get(seq);
    if (current && JSON.stringify(current) === json) writer.touched.delete(seq);
  }
  state.digestNo = no;
  state.lastDigest = { no, key: dKey, sha256: dSha };
  state.totalSegments += segments.length;
  state.chainHead = chainHead;
  state.summary = { ...writer.summary };
  if (lastSeg) state.digestedThrough = lastSeg.no;
  await saveState(writer.dir, state);
  let freed = 0;
  for (const s of ready) {
    await unlink(s.path).catch(() => undefined);
    freed += s.bytes;
  }
  writer.sealed = writer.sealed.filter((s) => !ready.includes(s));
  deps.onSpoolFreed(freed);
  if (isFinal) return finishSession(deps, writer);
  return true;
}

async function finishSession(deps: UploaderDeps, writer: SessionWriter): Promise<boolean> {
  await rm(writer.dir, { recursive: true, force: true });
  deps.states.delete(writer.sessionId);
  deps.onSessionDone(writer);
  return true;
}
