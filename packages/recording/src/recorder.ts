/**
 * createRecorder: the process-wide recorder the sidecar uses. It recovers the spool left by an
 * earlier process, opens one SessionWriter per session, seals segments by age and size, and runs
 * the uploader that ships them with index parts and signed digests.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SidecarConfig } from '@snowtrail/config';
import { ByteBudget } from './byte-budget.js';
import { genesisHead } from './chain.js';
import { createDirStore } from './dir-store.js';
import { RECORDING_ERRORS, RecordingError, unavailableError } from './errors.js';
import { FORMAT_VERSION_2, type FormatVersion, type SessionSummary } from './format.js';
import { loadSigningKey, type SigningKey } from './keys.js';
import { makeSessionId, normalizePrefix } from './layout.js';
import { createRecordingMetrics } from './metrics.js';
import { publishPublicKey } from './publish-key.js';
import type { Recorder, SessionRecording, SessionStartInfo } from './recorder-api.js';
import { scanSpool } from './recovery.js';
import { compileRedaction } from './redaction.js';
import { buildS3Client, createS3Store } from './s3-store.js';
import { commitEvent, createSessionRecording, flushGap, type RecordingContext } from './session-recording.js';
import { controlledFaultFs, FAULT_FILE_ENV } from './fault-fs.js';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.js';
import { SpoolReserve } from './spool-reserve.js';
import { Journal } from './journal.js';
import { SessionWriter, type SessionWriterHost } from './session-writer.js';
import { saveState, syncDir, type SessionState } from './spool-state.js';
import type { ObjectStore } from './store.js';
import { uploadSession, type UploaderDeps } from './uploader.js';

/** Options of createRecorder. */
export interface RecorderOptions {
  config: SidecarConfig['recording'];
  registry: Registry;
  logger: Logger;
  now?: () => number;
  /** Injected in tests; built from config otherwise. */
  s3Client?: S3Client;
  /** Injected store (overrides config.store); used by tests and tools. */
  store?: ObjectStore;
  /** How long createRecorder waits for recovered sessions to reach the store (default 10 s); the rest continues in the background. */
  recoveryTimeoutMs?: number;
  /** How long close() keeps retrying uploads (default 30 s); what is left stays in the spool for the next start. */
  closeTimeoutMs?: number;
  /** Upload sessions in parallel (default 4). */
  uploadConcurrency?: number;
  /** Blobs of one session uploaded at once (default BLOBS_IN_FLIGHT, 4). */
  blobsInFlight?: number;
  /** Bytes of blob bodies held in memory at once by all uploads (default UPLOAD_BODY_BUDGET_BYTES, 64 MiB). */
  uploadBodyBudgetBytes?: number;
  /**
   * The file layer of the spool (and of a directory store); node:fs by default. Tests pass a
   * fault-injecting one (createFaultFs); the sidecar process uses one only when FAULT_FILE_ENV is set.
   */
  fs?: SpoolFs;
  /** fdatasyncs of the journal in flight at once (default 2); benchmarks compare with 1. */
  syncsInFlight?: number;
  /** Format of new sessions (default 2: result payloads as blobs); 1 writes the 0.1.0 format. */
  formatVersion?: FormatVersion;
}

/**
 * Default memory for blob bodies being uploaded, over all sessions: two 32 MiB chunks, or many
 * small ones, at once; a blob larger than this goes up alone.
 */
export const UPLOAD_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

/** Extra space past spoolMaxBytes kept for session.end / session.interrupted events. */
const CLOSING_RESERVE = 64 * 1024;
/** The disk reserve is one journal (flush.maxBytes, split into segments on a full disk) plus this, for state files. */
const RESERVE_EXTRA = 256 * 1024;

function requireOption<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null) throw new RecordingError(RECORDING_ERRORS.config, `createRecorder: missing option ${name}`);
  return value;
}

/** Builds the store described by `recording.store`. */
export function storeFromConfig(config: SidecarConfig['recording']['store'], objectLock: SidecarConfig['recording']['objectLock'], s3Client?: S3Client, now?: () => number, fs?: SpoolFs): ObjectStore {
  if (config.type === 'dir') return createDirStore(config.path, '', fs);
  const client =
    s3Client ??
    buildS3Client({
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyIdFile ? { accessKeyIdFile: config.accessKeyIdFile } : {}),
      ...(config.secretAccessKeyFile ? { secretAccessKeyFile: config.secretAccessKeyFile } : {}),
    });
  return createS3Store({ client, bucket: config.bucket, prefix: normalizePrefix(config.prefix), ...(objectLock ? { objectLock } : {}), ...(now ? { now } : {}) });
}

/** Creates the recorder; resolves after the spool was recovered (see RecorderOptions.recoveryTimeoutMs). */
export async function createRecorder(options: RecorderOptions): Promise<Recorder> {
  const config = requireOption(options.config, 'config');
  const registry = requireOption(options.registry, 'registry');
  const logger = requireOption(options.logger, 'logger').child({ component: 'recording' });
  const now = options.now ?? Date.now;
  const key: SigningKey = await loadSigningKey(config.signing.keyFile, config.signing.keyId);
  const faults = options.fs === undefined ? faultFsFromEnv(logger) : undefined;
  const fs = options.fs ?? faults?.fs ?? nodeSpoolFs;
  const formatVersion: FormatVersion = options.formatVersion ?? FORMAT_VERSION_2;
  const store = options.store ?? storeFromConfig(config.store, config.objectLock, options.s3Client, now, fs);
  const root = join(config.spoolDir, 'v1');
  await fs.mkdir(root);

  const writers = new Map<string, SessionWriter>();
  const states = new Map<string, SessionState>();
  let spoolUsed = 0;
  let closed = false;
  const abort = new AbortController();
  const metrics = createRecordingMetrics(registry, () => {
    let oldest: number | undefined;
    for (const w of writers.values()) {
      const t = w.oldestPending;
      if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
    }
    return oldest === undefined ? 0 : Math.max(0, now() - oldest) / 1000;
  });
  metrics.spoolCapacity.set(config.spoolMaxBytes);
  const updateBacklog = (): void => {
    let bytes = 0;
    let segments = 0;
    for (const w of writers.values())
      for (const s of w.sealed)
        if (!s.uploaded) {
          bytes += s.bytes;
          segments++;
        }
    metrics.backlogBytes.set(bytes);
    metrics.backlogSegments.set(segments);
    metrics.spoolBytes.set(spoolUsed);
  };

  const journalDir = join(config.spoolDir, 'journal');
  await fs.mkdir(journalDir);
  const reserve = new SpoolReserve(fs, config.spoolDir, config.flush.maxBytes + RESERVE_EXTRA, logger, (isReleased) => metrics.spoolDiskFull.set(isReleased ? 1 : 0));
  await reserve.restore();
  metrics.spoolDiskFull.set(reserve.isAvailable ? 0 : 1);
  const onWriteFailure = (err: unknown): void => reserve.noteFailure(err);
  const journal = new Journal({
    dir: journalDir,
    fs,
    onWriteFailure,
    ...(options.syncsInFlight ? { syncsInFlight: options.syncsInFlight } : {}),
    maxBytes: config.flush.maxBytes,
    now,
    logger,
    onFsync: (s) => metrics.fsyncDuration.observe(s),
    release(bytes) {
      spoolUsed = Math.max(0, spoolUsed - bytes);
      metrics.spoolBytes.set(spoolUsed);
    },
    onSealed() {
      updateBacklog();
      kick();
    },
  });
  const host: SessionWriterHost = {
    now,
    journal,
    fs,
    release(bytes) {
      spoolUsed = Math.max(0, spoolUsed - bytes);
      metrics.spoolBytes.set(spoolUsed);
    },
    reserve(bytes, isClosing) {
      // The disk filled: nothing new until the reserve is back (closing events are small and bounded).
      if (!reserve.isAvailable && !isClosing) return false;
      if (spoolUsed + bytes > config.spoolMaxBytes + (isClosing ? CLOSING_RESERVE : 0)) return false;
      spoolUsed += bytes;
      metrics.spoolBytes.set(spoolUsed);
      return true;
    },
  };

  const deps: UploaderDeps = {
    store,
    fs,
    onWriteFailure,
    key,
    metrics,
    logger,
    now,
    signal: abort.signal,
    states,
    bodyBudget: new ByteBudget(options.uploadBodyBudgetBytes ?? UPLOAD_BODY_BUDGET_BYTES),
    ...(options.blobsInFlight ? { blobsInFlight: options.blobsInFlight } : {}),
    onSessionDone(w) {
      writers.delete(w.sessionId);
      updateBacklog();
    },
    onSpoolFreed(bytes) {
      spoolUsed = Math.max(0, spoolUsed - bytes);
      updateBacklog();
    },
  };

  // --- the upload pump: one pass over sessions with work, repeated while more arrives.
  let pumping: Promise<void> | undefined;
  let again = false;
  let stopUploads = false;
  const concurrency = options.uploadConcurrency ?? 4;
  const needsWork = (w: SessionWriter): boolean => w.sealed.length > 0 || (w.final && w.isDrained) || w.shouldReconcile || w.isFinished;
  const pass = async (): Promise<void> => {
    const queue = [...writers.values()].filter(needsWork);
    const run = async (): Promise<void> => {
      for (let w = queue.shift(); w; w = queue.shift()) {
        try {
          await uploadSession(deps, w, () => stopUploads);
        } catch (err) {
          logger.error({ err, sessionId: w.sessionId }, 'recording upload pass failed');
        }
        updateBacklog();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, run));
  };
  const pump = async (): Promise<void> => {
    do {
      again = false;
      await pass();
    } while (again && !stopUploads);
  };
  function kick(): void {
    if (stopUploads) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pump().finally(() => {
      pumping = undefined;
    });
  }

  // Refusals are logged with their reason: the first of each reason, then every 100th.
  const refusals = new Map<string, number>();
  const onRefused = (reason: string, err: unknown): void => {
    const n = (refusals.get(reason) ?? 0) + 1;
    refusals.set(reason, n);
    if (n === 1 || n % 100 === 0) logger.warn({ reason, refusals: n, err }, 'recording refused an event; the statement was refused');
  };
  // The session's last events are sealed with the journal at the next flush tick (or at close).
  const finish = (w: SessionWriter): void => {
    w.final = true;
  };
  const ctx: RecordingContext = {
    mode: config.mode,
    writeAhead: config.writeAhead ?? 'changes',
    journalPayloadMaxBytes: config.journalPayloadMaxBytes ?? 0,
    fs,
    metrics,
    matcher: compileRedaction(config.redact),
    patterns: config.redact,
    isClosed: () => closed,
    finish,
    onRefused,
    onWriteFailure,
  };

  // --- sealing by age: at least every flush interval (checked 4× per interval, at most every 250 ms, so
  // the seal happens close to the interval rather than up to a whole second late).
  const intervalMs = config.flush.intervalSeconds * 1000;
  const timer = setInterval(() => {
    if (!reserve.isAvailable) void reserve.restore();
    const age = journal.age(now());
    if (age !== undefined && age >= intervalMs) journal.seal();
    if ([...writers.values()].some(needsWork)) kick();
    // Best-effort: a session's gap is written as soon as the spool takes writes, even if it is idle.
    if (config.mode === 'best-effort' && !closed) for (const w of writers.values()) if (w.gap && !w.final) flushGap(ctx, w);
  }, Math.max(50, Math.min(250, intervalMs / 4)));
  timer.unref();

  // --- recovery of what an earlier process left.
  const recovered = await scanSpool(fs, root, journalDir, host);
  for (const r of recovered) {
    writers.set(r.writer.sessionId, r.writer);
    states.set(r.writer.sessionId, r.state);
    spoolUsed += r.spoolBytes;
  }
  const recoveryCtx: RecordingContext = { mode: 'best-effort', writeAhead: 'all', journalPayloadMaxBytes: 0, fs, metrics, matcher: undefined, patterns: [], isClosed: () => false, finish: () => undefined };
  const interrupting: Promise<void>[] = [];
  for (const r of recovered) {
    const w = r.writer;
    if (w.summary.status === 'open') {
      const data = { reason: 'process_restart', lastAcknowledgedSeq: w.head.seq, detectedAt: new Date(now()).toISOString() };
      interrupting.push(
        commitEvent({ ...recoveryCtx, mode: 'required' }, w, 'session.interrupted', data, true).catch((err: unknown) => {
          logger.error({ err }, 'could not append session.interrupted to a recovered session');
        }),
      );
      r.interrupted = true;
    }
    w.final = true;
  }
  await Promise.all(interrupting);
  journal.seal();
  await settledBefore(journal, options.recoveryTimeoutMs ?? 10_000);
  if (recovered.length > 0) {
    logger.info({ sessions: recovered.length, interrupted: recovered.filter((r) => r.interrupted).length }, 'recovered recording spool');
    updateBacklog();
    kick();
    const deadline = now() + (options.recoveryTimeoutMs ?? 10_000);
    while (recovered.some((r) => writers.has(r.writer.sessionId)) && now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      if (!pumping) kick();
    }
  }
  updateBacklog();

  const publishing = publishPublicKey({ store, key, now, logger, signal: abort.signal });


  const openWriter = async (kind: SessionSummary['kind']): Promise<SessionWriter> => {
    const t = now();
    const sessionId = makeSessionId(t, randomBytes(6).toString('hex'));
    const dir = join(root, sessionId);
    const summary: SessionSummary = { sessionId, kind, startedAt: new Date(t).toISOString(), lastEventAt: new Date(t).toISOString(), status: 'open', statementCount: 0, eventCount: 0 };
    const state: SessionState = { version: 1, sessionId, summary: { ...summary }, digestNo: 0, lastDigest: null, digestedThrough: 0, totalSegments: 0, chainHead: genesisHead(), formatVersion };
    try {
      await saveState(fs, dir, state);
      // The session folder's own entry in the spool, so its state survives a crash.
      await syncDir(fs, root);
    } catch (err) {
      reserve.noteFailure(err);
      metrics.refused.inc({ reason: 'spool_write_failed' });
      onRefused('spool_write_failed', err);
      throw unavailableError('spool_write_failed', 'the recording spool could not be written', err);
    }
    const w = new SessionWriter({ sessionId, dir, head: genesisHead(), summary, segNo: 0, host, formatVersion });
    writers.set(sessionId, w);
    states.set(sessionId, state);
    return w;
  };

  const refuseClosed = (): never => {
    metrics.refused.inc({ reason: 'recorder_closed' });
    throw unavailableError('recorder_closed', 'the recorder is shutting down');
  };

  return {
    mode: config.mode,
    async startSession(info: SessionStartInfo): Promise<SessionRecording> {
      if (closed) refuseClosed();
      const w = await openWriter('session');
      const rec = createSessionRecording(ctx, w);
      try {
        await commitEvent(ctx, w, 'session.start', info);
      } catch (err) {
        finish(w);
        throw err;
      }
      return rec;
    },
    async authFailure(details): Promise<void> {
      if (closed) {
        if (config.mode === 'required') refuseClosed();
        return;
      }
      const w = await openWriter('auth.failure');
      const p = commitEvent(ctx, w, 'auth.failure', details);
      finish(w);
      await p;
    },
    async close(closeOptions): Promise<void> {
      if (closed) return;
      closed = true;
      for (const w of writers.values()) {
        if (closeOptions?.interrupt && w.summary.status === 'open' && !w.final) {
          await commitEvent(ctx, w, 'session.interrupted', { reason: 'shutdown', lastAcknowledgedSeq: w.head.seq }, true).catch(() => undefined);
          w.final = true;
        }
      }
      journal.seal();
      const deadline = now() + (options.closeTimeoutMs ?? 30_000);
      // A split that keeps failing (full or failing disk) is retried until the deadline, then left to the next start.
      await settledBefore(journal, deadline - now());
      const hasWork = (): boolean => [...writers.values()].some(needsWork);
      while (hasWork() && now() < deadline) {
        kick();
        await new Promise((r) => setTimeout(r, 25));
      }
      stopUploads = true;
      abort.abort();
      journal.stop();
      await journal.settled();
      clearInterval(timer);
      faults?.stop();
      await pumping;
      await publishing;
      if (hasWork()) logger.warn({ sessions: writers.size }, 'recording left unuploaded data in the spool; it is uploaded on the next start');
    },
  };
}

/** The fault-injecting file layer, when the process was started with FAULT_FILE_ENV (tests only). */
function faultFsFromEnv(logger: Logger): { fs: SpoolFs; stop(): void } | undefined {
  const file = process.env[FAULT_FILE_ENV];
  if (!file) return undefined;
  const faults = controlledFaultFs(nodeSpoolFs, file);
  logger.error({ env: FAULT_FILE_ENV, file }, 'TEST ONLY: recording file faults are enabled; never set this in production');
  return faults;
}

/** Waits for the journal's splits, at most `ms`. */
async function settledBefore(journal: Journal, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([journal.settled(), new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}
