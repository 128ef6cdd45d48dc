/**
 * The SessionRecording handed to the sidecar: turns its calls into events, applies the mode
 * (required: resolve when durable, reject with SNOWTRAIL_ERR_RECORDING_UNAVAILABLE when the spool
 * cannot take it; best-effort: resolve at once and count drops), and tees result payloads.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createGunzip, gunzipSync, constants as zlibConstants, type Gunzip } from 'node:zlib';
import type { EventType, RedactionInfo, ResultEventData } from './format.js';
import { RESULT_PIECE_BYTES } from './format.js';
import type { RecordingMetrics } from './metrics.js';
import { columnsOfAnswer, JsonRowsRedactor, maskArrowStream, maskedColumnIndexes, redactInlineAnswer, REDACTED_VALUE, type ColumnMatcher } from './redaction.js';
import type { QueryEndInfo, QueryStartInfo, ResultPartInfo, ResultWriter, SessionRecording } from './recorder-api.js';
import type { PendingGap, SessionWriter } from './session-writer.js';
import { unavailableError } from './errors.js';
import { sha256Hex } from './chain.js';
import { isBlobSpoolFull, SpoolBlobWriter, spoolBlobDir, spoolBlobPath } from './blob-spool.js';
import { writeFileDurable } from './spool-state.js';
import type { SpoolFs } from './spool-fs.js';
import { WrittenQueries, type LostQuery } from './written-queries.js';

/** What a session recording needs from the recorder. */
export interface RecordingContext {
  mode: 'required' | 'best-effort';
  /** required mode: which statements are durable before forwarding (effect-free reads only written). */
  writeAhead: 'changes' | 'all';
  /** Format 2: payloads up to this size travel in the journal with their event (0: none). */
  journalPayloadMaxBytes: number;
  /** The spool's file layer (v2 blob files are written through it). */
  fs: SpoolFs;
  metrics: RecordingMetrics;
  matcher: ColumnMatcher | undefined;
  patterns: string[];
  isClosed(): boolean;
  /** Marks the writer final and seals it (session over). */
  finish(writer: SessionWriter): void;
  /** Told of every refusal (required mode), to log its reason. */
  onRefused?(reason: string, err: unknown): void;
  /** Told of every failed spool write (ENOSPC releases the spool reserve). */
  onWriteFailure?(err: unknown): void;
}

const REFUSAL_TEXT: Record<string, string> = {
  recorder_closed: 'the recorder is shutting down',
  spool_full: 'the recording spool is full; the statement cannot be recorded',
  spool_write_failed: 'the recording spool could not be written; the statement cannot be recorded',
};

function refuse(ctx: RecordingContext, reason: string, cause?: unknown): Promise<never> {
  ctx.metrics.refused.inc({ reason });
  ctx.onRefused?.(reason, cause);
  return Promise.reject(unavailableError(reason, REFUSAL_TEXT[reason] ?? reason, cause));
}

/** Best-effort: counts a dropped event and remembers it for the session's next `gap` event. */
function noteDrop(ctx: RecordingContext, writer: SessionWriter, reason: string, time: number): void {
  ctx.metrics.dropped.inc({ reason });
  writer.gap = mergeGaps(writer.gap, { dropped: 1, firstAt: time, lastAt: time, reasons: { [reason]: 1 } });
}

/** Sums two pending gaps (pure). */
export function mergeGaps(a: PendingGap | undefined, b: PendingGap): PendingGap {
  if (!a) return { ...b, reasons: { ...b.reasons } };
  const reasons = { ...a.reasons };
  for (const [k, v] of Object.entries(b.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
  return { dropped: a.dropped + b.dropped, firstAt: Math.min(a.firstAt, b.firstAt), lastAt: Math.max(a.lastAt, b.lastAt), reasons };
}

/** The `gap` event's data for a pending gap (pure): the reason is the most frequent one. */
export function gapEventData(g: PendingGap): Record<string, unknown> {
  const reason = Object.entries(g.reasons).sort((x, y) => y[1] - x[1])[0]?.[0] ?? 'unknown';
  return { dropped: g.dropped, reason, reasons: g.reasons, firstDroppedAt: new Date(g.firstAt).toISOString(), lastDroppedAt: new Date(g.lastAt).toISOString() };
}

/**
 * Best-effort: writes the session's pending `gap` event, if any and none is in flight. The drops it
 * reports are forgotten only once it is durable; if it fails they wait for the next attempt.
 */
export function flushGap(ctx: RecordingContext, writer: SessionWriter, isClosing = false): void {
  const g = writer.gap;
  if (!g || writer.isGapInFlight) return;
  // Written when the spool takes ordinary events again (one gap for the whole episode), or with the
  // session's closing event, which may use the closing reserve.
  const durable = writer.append('gap', gapEventData(g), isClosing);
  if (!durable) return;
  writer.gap = undefined;
  writer.isGapInFlight = true;
  durable.then(
    () => {
      writer.isGapInFlight = false;
      ctx.metrics.events.inc({ type: 'gap' });
    },
    () => {
      writer.isGapInFlight = false;
      writer.gap = mergeGaps(writer.gap, g);
    },
  );
}

/**
 * A v2 blob could not be made durable — the spool's cap refused its bytes (spool_full) or the disk
 * failed (spool_write_failed): refused (required) or counted as dropped (best-effort).
 */
function blobFailed(ctx: RecordingContext, writer: SessionWriter, err: unknown): Promise<void> {
  const reason = isBlobSpoolFull(err) ? 'spool_full' : 'spool_write_failed';
  if (reason === 'spool_write_failed') ctx.onWriteFailure?.(err);
  if (ctx.mode === 'required') return refuse(ctx, reason, err);
  noteDrop(ctx, writer, reason, Date.now());
  return Promise.resolve();
}

/**
 * v2: makes the blob durable, then its `result` event — the part's one durable point. A blob that
 * cannot be written leaves no event referring to it.
 */
async function commitBlobResult(ctx: RecordingContext, writer: SessionWriter, blob: SpoolBlobWriter, data: (ref: { sha256: string; bytes: number }) => object, lost: LostQuery = noLoss, afterAppend?: () => void): Promise<void> {
  let ref;
  try {
    ref = await blob.finish();
  } catch (err) {
    return blobFailed(ctx, writer, err);
  }
  // The statement's `query` event was lost meanwhile: no event may refer to its answer.
  const refused = lost();
  if (refused) {
    await writer.blobSpace.unhold(ref.sha256);
    return refused;
  }
  // finish() left the blob held for this event; one whose event never became durable is an orphan
  // and is deleted, its space given back (unless another part of the same content still holds it),
  // so a spool that refuses events does not fill with payloads nothing refers to.
  const sha = ref.sha256;
  let appended: Promise<void> | undefined;
  const release = (): void => void writer.blobSpace.unhold(sha);
  const committed = commitEvent(ctx, writer, 'result', data(ref), false, (d) => {
    appended = d;
    afterAppend?.();
  });
  if (appended) appended.catch(release);
  else release();
  return committed;
}

const noLoss: LostQuery = () => undefined;

/**
 * A blob's commit under the recorder's mode: required waits for it; best-effort resolves at once
 * (the commit goes on, and a blob or event it cannot make durable is counted as dropped).
 */
function underMode(ctx: RecordingContext, writer: SessionWriter, committed: Promise<void>): Promise<void> {
  if (ctx.mode === 'required') return committed;
  // The session's end waits for it, so a last answer is not cut off by a logout right after it.
  const settled = committed.catch(() => undefined);
  writer.blobCommits.add(settled);
  void settled.then(() => writer.blobCommits.delete(settled));
  return Promise.resolve();
}


/**
 * v2, a small payload: its bytes go into the journal right before its `result` event, so the one
 * group commit that makes the event durable makes the payload durable too; the journal's split
 * writes it out as the session's spool blob file. A payload the session already has durably (its
 * spool blob file, or the store's object) is referred to, not carried again.
 */
function commitCarriedResult(ctx: RecordingContext, writer: SessionWriter, stored: Buffer, data: (ref: { sha256: string; bytes: number }) => object, afterAppend?: () => void): Promise<void> {
  const ref = { sha256: sha256Hex(stored), bytes: stored.length };
  // Only a durable copy (a spool file, or the store's) may stand in for the bytes: a payload an
  // earlier event carries may still be lost with that event's journal, and this event's with it not.
  const isStored = writer.blobSpace.hasFile(ref.sha256) || writer.uploadedBlobs.has(ref.sha256);
  if (!isStored && writer.appendBlob(ref.sha256, stored) === undefined) {
    if (ctx.mode === 'required') return refuse(ctx, 'spool_full');
    noteDrop(ctx, writer, 'spool_full', Date.now());
    return Promise.resolve();
  }
  writer.blobSpace.hold(ref.sha256);
  const release = (): void => void writer.blobSpace.unhold(ref.sha256);
  let appended: Promise<void> | undefined;
  const committed = commitEvent(ctx, writer, 'result', data(ref), false, (d) => {
    appended = d;
    afterAppend?.();
  });
  if (appended) appended.then(() => (isStored ? undefined : writeCarriedEarly(ctx, writer, ref.sha256, stored)), release);
  else release();
  return committed;
}

/**
 * Once a carried payload is durable, its blob file is written right away, off the answer's path
 * (with room of its own), rather than only when the journal is split: the store can then take it
 * and its file be freed long before a full disk could stall the split that would write it. Failing
 * here costs nothing — the split writes it from the journal line.
 */
function writeCarriedEarly(ctx: RecordingContext, writer: SessionWriter, sha256: string, bytes: Buffer): void {
  const space = writer.blobSpace;
  if (space.hasFile(sha256) || !space.reserve(bytes.length)) return;
  space
    .placeCarried(sha256, bytes.length, () => writeFileDurable(ctx.fs, spoolBlobPath(writer.dir, sha256), spoolBlobDir(writer.dir), bytes))
    .then(
      (counted) => {
        if (!counted) space.release(bytes.length);
      },
      () => space.release(bytes.length),
    );
}

/** A spool blob file for a part (unique temp name; the content name is given when durable). */
function newBlob(ctx: RecordingContext, writer: SessionWriter, partId: string): SpoolBlobWriter {
  return new SpoolBlobWriter(ctx.fs, writer.blobSpace, writer.dir, `${partId}-${randomBytes(4).toString('hex')}`);
}

/**
 * Appends one event under the recorder's mode; `onAppended` is told the durability promise, and
 * when the event is written to the journal, once the spool took it.
 */
export function commitEvent(ctx: RecordingContext, writer: SessionWriter, type: EventType, data: object, isClosing = false, onAppended?: (durable: Promise<void>, written: Promise<void>) => void): Promise<void> {
  if (ctx.isClosed() && !isClosing) {
    if (ctx.mode === 'required') return refuse(ctx, 'recorder_closed');
    noteDrop(ctx, writer, 'recorder_closed', Date.now());
    return Promise.resolve();
  }
  if (ctx.mode === 'best-effort') flushGap(ctx, writer, isClosing);
  const attemptedAt = Date.now();
  const appended = writer.appendTracked(type, data, isClosing);
  const durable = appended?.durable;
  if (appended !== undefined) onAppended?.(appended.durable, appended.written);
  if (durable === undefined) {
    if (ctx.mode === 'required') return refuse(ctx, 'spool_full');
    noteDrop(ctx, writer, 'spool_full', attemptedAt);
    return Promise.resolve();
  }
  const counted = durable.then(
    () => {
      ctx.metrics.events.inc({ type });
    },
    (err: unknown) => {
      if (ctx.mode === 'required') return refuse(ctx, 'spool_write_failed', err);
      noteDrop(ctx, writer, 'spool_write_failed', attemptedAt);
      return undefined;
    },
  );
  if (ctx.mode === 'required') return counted;
  counted.catch(() => undefined);
  return Promise.resolve();
}

function queryData(info: QueryStartInfo): Record<string, unknown> {
  return {
    requestId: info.requestId,
    sqlText: info.sqlText,
    ...(info.bindings !== undefined ? { bindings: info.bindings } : {}),
    ...(info.parameters !== undefined ? { parameters: info.parameters } : {}),
    ...(info.bindStage !== undefined ? { bindStage: info.bindStage } : {}),
    ...(info.asyncExec !== undefined ? { asyncExec: info.asyncExec } : {}),
    statements: info.statements,
    ...(info.planObjects !== undefined ? { planObjects: info.planObjects } : {}),
    decision: info.decision,
    ...(info.rule !== undefined ? { rule: info.rule } : {}),
    ...(info.reason !== undefined ? { reason: info.reason } : {}),
  };
}

/** Creates the SessionRecording of one writer. */
export function createSessionRecording(ctx: RecordingContext, writer: SessionWriter): SessionRecording {
  let parts = 0;
  const writeAhead = new WrittenQueries();
  // Column names of each statement's inline answer, so its chunks can be redacted by name even when
  // the sidecar does not repeat them in the chunk's ResultPartInfo.
  const columnsOf = new Map<string, string[]>();
  const rememberColumns = (info: ResultPartInfo, input: Buffer): void => {
    if (!ctx.matcher || info.part !== 'inline') return;
    let cols = info.columns;
    if (!cols) {
      try {
        cols = columnsOfAnswer(JSON.parse((info.compression === 'gzip' ? gunzipSync(input) : input).toString('utf8')));
      } catch {
        cols = undefined;
      }
    }
    if (!cols) return;
    if (info.requestId !== undefined) columnsOf.set(`r:${info.requestId}`, cols);
    if (info.queryId !== undefined) columnsOf.set(`q:${info.queryId}`, cols);
  };
  const knownColumns = (info: ResultPartInfo): string[] | undefined =>
    info.columns ?? (info.queryId !== undefined ? columnsOf.get(`q:${info.queryId}`) : undefined) ?? (info.requestId !== undefined ? columnsOf.get(`r:${info.requestId}`) : undefined);
  const partBase = (info: ResultPartInfo, partId: string): ResultEventData => {
    const querySeq = info.requestId !== undefined ? writer.querySeqs.get(info.requestId) : undefined;
    return {
      partId,
      ...(querySeq !== undefined ? { querySeq } : {}),
      ...(info.requestId !== undefined ? { requestId: info.requestId } : {}),
      ...(info.queryId !== undefined ? { queryId: info.queryId } : {}),
      part: info.part,
      format: info.format,
      compression: info.compression,
      ...(info.contentType !== undefined ? { contentType: info.contentType } : {}),
      ...(info.rowCount !== undefined ? { rowCount: info.rowCount } : {}),
      ...(info.columns !== undefined ? { columns: info.columns } : {}),
      streamed: false,
    };
  };
  /**
   * Records a whole payload. `afterAppend` is called right after its `result` event is appended
   * (so what it appends shares the event's group commit); in best-effort mode also when the event
   * is given up (dropped), once that is known. It is called at most once.
   */
  const recordResult = (info: ResultPartInfo, bytes: Uint8Array, lost: LostQuery, afterAppend?: () => void): Promise<void> => {
      const partId = `p${++parts}`;
      const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      rememberColumns(info, input);
      const red = info.format === 'json' || info.format === 'arrow' ? redactInlineAnswer(input, info.compression, ctx.matcher, ctx.patterns) : { bytes: input, storedCompression: info.compression };
      const clientSha256 = sha256Hex(input);
      const stored = red.bytes;
      const redaction: RedactionInfo | undefined = red.redaction ? { ...red.redaction, originalSha256: clientSha256, originalBytes: input.length } : undefined;
      const base: ResultEventData = {
        ...partBase(info, partId),
        ...(red.storedCompression !== info.compression ? { storedCompression: red.storedCompression } : {}),
        ...(redaction ? { redaction } : {}),
      };
      // Best-effort: whatever became of the event, what follows it is still recorded.
      const orGiveUp = <T>(p: T): T => {
        if (ctx.mode === 'best-effort') afterAppend?.();
        return p;
      };
      if (writer.formatVersion === 2) {
        // A closed recorder refuses (or counts) the event before any blob is written.
        if (ctx.isClosed()) return orGiveUp(commitEvent(ctx, writer, 'result', base));
        const refData = (ref: { sha256: string; bytes: number }): object => ({ ...base, blob: ref, bytes: ref.bytes, sha256: ref.sha256, clientBytes: input.length, clientSha256 });
        if (stored.length <= ctx.journalPayloadMaxBytes) return orGiveUp(commitCarriedResult(ctx, writer, stored, refData, afterAppend));
        const blob = newBlob(ctx, writer, partId);
        void blob.write(stored).catch(() => undefined);
        const committed = commitBlobResult(ctx, writer, blob, refData, lost, afterAppend);
        // Best-effort: the end is appended before the commit counts as settled, so a session's end
        // (which waits for its blob commits) always comes after it.
        return underMode(ctx, writer, ctx.mode === 'best-effort' && afterAppend ? committed.catch(() => undefined).then(afterAppend) : committed);
      }
      if (stored.length <= RESULT_PIECE_BYTES) {
        return orGiveUp(commitEvent(ctx, writer, 'result', { ...base, base64: stored.toString('base64'), bytes: stored.length, sha256: sha256Hex(stored), clientSha256 }, false, afterAppend));
      }
      const pending: Promise<void>[] = [commitEvent(ctx, writer, 'result', { ...base, streamed: true })];
      for (let off = 0; off < stored.length; off += RESULT_PIECE_BYTES) {
        const piece = stored.subarray(off, off + RESULT_PIECE_BYTES);
        pending.push(commitEvent(ctx, writer, 'result.data', { partId, offset: off, bytes: piece.length, base64: piece.toString('base64') }));
      }
      pending.push(commitEvent(ctx, writer, 'result.end', { partId, bytes: stored.length, sha256: sha256Hex(stored), clientBytes: input.length, clientSha256, ...(redaction ? { redaction } : {}) }, false, afterAppend));
      return orGiveUp(Promise.all(pending).then(() => undefined));
    };
  const recording: SessionRecording = {
    sessionId: writer.sessionId,
    queryStarted(info) {
      if (ctx.mode === 'required' && ctx.writeAhead === 'changes' && info.effectFree === true) return writeAhead.start(info.requestId, (onAppended) => commitEvent(ctx, writer, 'query', queryData(info), false, onAppended));
      return commitEvent(ctx, writer, 'query', queryData(info));
    },
    queryDenied(info) {
      return commitEvent(ctx, writer, 'query.denied', queryData(info));
    },
    queryEnded(info: QueryEndInfo) {
      const querySeq = writer.querySeqs.get(info.requestId);
      return commitEvent(ctx, writer, 'query.end', { ...info, ...(querySeq !== undefined ? { querySeq } : {}) });
    },
    result(info, bytes, end) {
      if (!end) return writeAhead.releaseWith(info.requestId, (lost) => recordResult(info, bytes, lost));
      // The statement's end goes right after its answer's `result` event: one group commit for both.
      let isEndAppended = false;
      const appendEnd = (): void => {
        if (isEndAppended) return;
        isEndAppended = true;
        recording.queryEnded(end).catch(() => undefined);
      };
      const recorded = writeAhead.releaseWith(info.requestId, (lost) => recordResult(info, bytes, lost, appendEnd));
      // Required: a refused answer has no end here (the caller records the statement's failure instead).
      return ctx.mode === 'required' ? recorded.then(appendEnd) : recorded;
    },
    openResult(info) {
      const columns = knownColumns(info);
      const full = columns ? { ...info, columns } : info;
      return writeAhead.wrapWriter(info.requestId, (lost) => openResultWriter(ctx, writer, partBase(full, `p${++parts}`), full, lost));
    },
    note(kind, details) {
      return commitEvent(ctx, writer, 'note', { kind, ...details });
    },
    end(reason) {
      const close = (): Promise<void> => {
        const p = commitEvent(ctx, writer, 'session.end', { reason }, true);
        ctx.finish(writer);
        return p;
      };
      // best-effort: answers whose blobs are still being made durable come before the session's end.
      return writer.blobCommits.size === 0 ? close() : Promise.all(writer.blobCommits).then(close);
    },
  };
  return recording;
}

/** The largest Arrow chunk masked; a bigger one is withheld (its hash kept), never stored unmasked. */
const ARROW_MASK_MAX_BYTES = 64 * 1024 * 1024;

/** A whole Arrow chunk (gzip or plain IPC stream) with the given columns masked, uncompressed; undefined when it does not decode. */
function maskArrowChunk(bytes: Buffer, columnIndexes: readonly number[]): Buffer | undefined {
  let plain = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: 4 * ARROW_MASK_MAX_BYTES });
    } catch {
      return undefined;
    }
  }
  return maskArrowStream(plain, columnIndexes);
}

/**
 * A streamed result part. v1: pieces become `result.data` events as they arrive. v2: the stored
 * bytes go to a spool blob file as they arrive (no durable wait per piece); `end` makes the blob
 * durable and then appends the part's one `result` event.
 */
function openResultWriter(ctx: RecordingContext, writer: SessionWriter, base: ResultEventData, info: ResultPartInfo, lost: LostQuery = noLoss): ResultWriter {
  const partId = base.partId;
  const idx = info.format === 'json' ? maskedColumnIndexes(info.columns, ctx.matcher) : [];
  const arrowIdx = info.format === 'arrow' ? maskedColumnIndexes(info.columns, ctx.matcher) : [];
  const isArrowRedacted = arrowIdx.length > 0;
  // An Arrow chunk is masked whole: its bytes are held (up to ARROW_MASK_MAX_BYTES), then decoded,
  // masked and re-encoded at the end, before the sidecar releases the chunk's last bytes.
  const arrowHeld: Buffer[] = [];
  let arrowHeldBytes = 0;
  const redaction: RedactionInfo | undefined =
    idx.length > 0
      ? { columns: idx.map((i) => info.columns![i]!), method: 'replace', replacement: REDACTED_VALUE, patterns: ctx.patterns }
      : isArrowRedacted
        ? { columns: arrowIdx.map((i) => info.columns![i]!), method: 'replace', replacement: REDACTED_VALUE, patterns: ctx.patterns }
        : undefined;
  const redactor = idx.length > 0 ? new JsonRowsRedactor(idx) : undefined;
  const gunzip: Gunzip | undefined = redactor && info.compression === 'gzip' ? createGunzip() : undefined;
  const inflated: Buffer[] = [];
  gunzip?.on('data', (b: Buffer) => inflated.push(b));
  gunzip?.on('error', () => undefined);
  const clientHash = createHash('sha256');
  const storedHash = createHash('sha256');
  let clientBytes = 0;
  let storedBytes = 0;
  const blob = writer.formatVersion === 2 && !ctx.isClosed() ? newBlob(ctx, writer, partId) : undefined;
  let chain: Promise<unknown> =
    writer.formatVersion === 2
      ? Promise.resolve()
      : commitEvent(ctx, writer, 'result', {
          ...base,
          streamed: true,
          ...(gunzip || isArrowRedacted ? { storedCompression: 'none' } : {}),
          ...(redaction ? { redaction } : {}),
        });
  chain.catch(() => undefined);
  const appendStored = (bytes: Buffer): Promise<void>[] => {
    if (writer.formatVersion === 2) {
      // The blob file hashes what it stores (its name); a second hash is needed only without one.
      if (!blob) storedHash.update(bytes);
      storedBytes += bytes.length;
      // A failed write is reported by finish(), at the part's durable point; but bytes the spool's
      // cap refused are refused at once in required mode, so the sidecar cuts the chunk before the
      // client has the bytes that could not be recorded.
      return [blob ? blob.write(bytes).catch((err: unknown) => (ctx.mode === 'required' && isBlobSpoolFull(err) ? refuse(ctx, 'spool_full', err) : undefined)) : Promise.resolve()];
    }
    const out: Promise<void>[] = [];
    for (let off = 0; off < bytes.length; off += RESULT_PIECE_BYTES) {
      const piece = bytes.subarray(off, off + RESULT_PIECE_BYTES);
      storedHash.update(piece);
      out.push(commitEvent(ctx, writer, 'result.data', { partId, offset: storedBytes, bytes: piece.length, base64: piece.toString('base64') }));
      storedBytes += piece.length;
    }
    return out;
  };
  const inflate = (bytes: Buffer | undefined): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const g = gunzip!;
      const done = (): void => resolve(Buffer.concat(inflated.splice(0)));
      if (bytes === undefined) {
        g.once('end', done);
        g.once('error', reject);
        g.end();
      } else g.write(bytes, (err) => (err ? reject(err) : g.flush(zlibConstants.Z_SYNC_FLUSH, done)));
    });
  const stage = async (bytes: Buffer | undefined): Promise<void> => {
    let plain: Buffer | undefined = bytes;
    if (gunzip) plain = await inflate(bytes);
    if (!plain || plain.length === 0) return;
    const stored = redactor ? redactor.push(plain) : plain;
    await Promise.all(appendStored(stored));
  };
  return {
    write(bytes) {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      clientHash.update(buf);
      clientBytes += buf.length;
      if (isArrowRedacted) {
        arrowHeldBytes += buf.length;
        if (arrowHeldBytes <= ARROW_MASK_MAX_BYTES) arrowHeld.push(Buffer.from(buf));
        else arrowHeld.length = 0;
        return chain.then(() => undefined);
      }
      if (!gunzip) {
        // Common path: synchronous append keeps piece order without chaining.
        const p = Promise.all([chain, ...appendStored(redactor ? redactor.push(buf) : buf)]).then(() => undefined);
        chain = p.catch(() => undefined);
        return p;
      }
      const p = chain.then(() => stage(Buffer.from(buf)));
      chain = p.catch(() => undefined);
      return p;
    },
    async end() {
      if (gunzip) await (chain = chain.then(() => stage(undefined)));
      let ended = redaction;
      if (isArrowRedacted) {
        const masked = arrowHeldBytes <= ARROW_MASK_MAX_BYTES ? maskArrowChunk(Buffer.concat(arrowHeld.splice(0)), arrowIdx) : undefined;
        if (masked) await (chain = chain.then(() => Promise.all(appendStored(masked))));
        else ended = { columns: redaction!.columns, method: 'withheld', patterns: ctx.patterns };
      }
      await chain;
      const clientSha256 = clientHash.digest('hex');
      const original = ended ? { redaction: { ...ended, originalSha256: clientSha256, originalBytes: clientBytes } } : {};
      if (writer.formatVersion === 2) {
        const data = (ref: { sha256: string; bytes: number }): object => ({ ...base, ...(gunzip || isArrowRedacted ? { storedCompression: 'none' } : {}), ...original, blob: ref, bytes: ref.bytes, sha256: ref.sha256, clientBytes, clientSha256 });
        // Closed recorder: commitEvent refuses (or counts) the event; no blob was opened.
        await (blob ? underMode(ctx, writer, commitBlobResult(ctx, writer, blob, data, lost)) : commitEvent(ctx, writer, 'result', data({ sha256: storedHash.digest('hex'), bytes: storedBytes })));
        return { sha256: clientSha256, bytes: clientBytes };
      }
      await (lost() ?? Promise.resolve());
      await commitEvent(ctx, writer, 'result.end', {
        partId,
        bytes: storedBytes,
        sha256: storedHash.digest('hex'),
        clientBytes,
        clientSha256,
        ...(ended ? { redaction: { ...ended, originalSha256: clientSha256, originalBytes: clientBytes } } : {}),
      });
      return { sha256: clientSha256, bytes: clientBytes };
    },
    async abort(reason) {
      await chain.catch(() => undefined);
      gunzip?.destroy();
      await blob?.discard();
      // v2 wrote no `result` event for the part: the abort carries what the part was.
      const what = writer.formatVersion === 2 ? { ...base, ...(redaction ? { redaction } : {}) } : {};
      await commitEvent(ctx, writer, 'result.abort', { ...what, partId, reason, clientBytes, storedBytes });
    },
  };
}
