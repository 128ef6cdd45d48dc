/**
 * The process-wide spool journal: every session's events are appended to one file, so one
 * write+fdatasync (group commit) makes every event queued meanwhile durable, whichever session it
 * belongs to. When the journal is sealed (by age, size or a failed write) it is split into one
 * segment file per session that has durable events in it; then the journal is deleted.
 *
 * Splits run one at a time in journal order and a failed split is retried (capped backoff) until it
 * succeeds, so a later journal never becomes a segment before an earlier one: segment numbers are
 * given at split time, only to sessions with durable events, and stay contiguous. A crash leaves
 * journal files that recovery splits the same way (events carry sessionId, seq and prevHash).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff.js';
import type { RecordingEvent } from './format.js';
import { applyEventToIndex } from './index-object.js';
import type { SealedSegment, SessionWriter } from './session-writer.js';
import { sealedSegmentName } from './session-writer.js';
import { SpoolFile, type TrackedAppend } from './spool-file.js';
import type { SpoolFs } from './spool-fs.js';
import { writeFileDurable } from './spool-state.js';
import { spoolBlobDir, spoolBlobPath } from './blob-spool.js';
import { sha256Hex } from './chain.js';

const NEWLINE = Buffer.from('\n');

/** One event line of a session in a journal: where it is and what the index needs from it. */
interface Range {
  offset: number;
  length: number;
  hash: string;
  time: number;
  event: RecordingEvent;
  /** The blob a `result` event refers to (its data is not kept in memory). */
  blob?: string;
}

/** A result payload carried in a journal line (small v2 payloads): written out as a spool blob file at split. */
interface BlobRange {
  offset: number;
  length: number;
  sha256: string;
  /** The payload's size: room taken with the line's own, for the blob file the split writes from it. */
  payloadBytes: number;
  /** The split dealt with it (file written and counted, or its room given back): a retried split skips it. */
  isSettled?: boolean;
}

/** The journal line of a payload carried in the journal; never part of a session's chain. */
export interface JournalBlobLine {
  journalBlob: { sessionId: string; sha256: string; bytes: number };
  base64: string;
}

/** Encodes a payload as a journal line (pure). */
export function encodeJournalBlob(sessionId: string, sha256: string, bytes: Buffer): Buffer {
  const line: JournalBlobLine = { journalBlob: { sessionId, sha256, bytes: bytes.length }, base64: bytes.toString('base64') };
  return Buffer.from(JSON.stringify(line), 'utf8');
}

/** Decodes a journal line that carries a payload, checking its hash; undefined for any other line (pure). */
export function decodeJournalBlob(line: Buffer): { sessionId: string; sha256: string; bytes: Buffer } | undefined {
  // Cheap test first: event lines never start with this key.
  if (!line.subarray(0, 16).toString('latin1').startsWith('{"journalBlob"')) return undefined;
  let parsed: JournalBlobLine;
  try {
    parsed = JSON.parse(line.toString('utf8')) as JournalBlobLine;
  } catch {
    return undefined;
  }
  const meta = parsed.journalBlob;
  if (typeof meta?.sessionId !== 'string' || typeof meta.sha256 !== 'string' || typeof parsed.base64 !== 'string') return undefined;
  const bytes = Buffer.from(parsed.base64, 'base64');
  if (bytes.length !== meta.bytes || sha256Hex(bytes) !== meta.sha256) return undefined;
  return { sessionId: meta.sessionId, sha256: meta.sha256, bytes };
}

/** The blob a `result` event refers to, if any (pure). */
function blobOfEvent(event: RecordingEvent): string | undefined {
  if (event.type !== 'result') return undefined;
  const sha = (event.data as { blob?: { sha256?: unknown } }).blob?.sha256;
  return typeof sha === 'string' ? sha : undefined;
}

interface Entry {
  ranges: Range[];
  /** Payloads carried in this journal for the session. */
  blobs: BlobRange[];
  /** Blobs the session's durable `result` events in this journal refer to (set when sealed). */
  refs: Set<string>;
  /** Segment number, given on the first split attempt that has durable events for the session. */
  no?: number;
  isSplit: boolean;
}

interface OpenJournal {
  file: SpoolFile;
  path: string;
  firstTime: number;
  writers: Map<SessionWriter, Entry>;
}

/** Options of the journal. */
export interface JournalOptions {
  dir: string;
  fs: SpoolFs;
  maxBytes: number;
  now: () => number;
  logger: Logger;
  onFsync(seconds: number): void;
  /** Gives back reserved space of events that never became durable. */
  release(bytes: number): void;
  /** A session got a new sealed segment. */
  onSealed(writer: SessionWriter): void;
  /** fdatasyncs in flight at once (default 2; 1 waits for each before writing the next batch). */
  syncsInFlight?: number;
  /** Told of every failed write (a journal file or a split): ENOSPC releases the spool reserve. */
  onWriteFailure?(err: unknown): void;
}

/**
 * Writes the spool blob files of the payloads this journal carries for a session and its durable
 * `result` events refer to, and counts them (one already in the spool is kept: same name, same
 * bytes); a payload nothing durable refers to, or counted already, gives its room back.
 */
async function writeCarriedBlobs(fs: SpoolFs, writer: SessionWriter, entry: Entry, file: Buffer, release: (bytes: number) => void): Promise<void> {
  for (const b of entry.blobs) {
    if (b.isSettled) continue;
    const first = entry.blobs.find((x) => x.sha256 === b.sha256) === b;
    if (!first || !entry.refs.has(b.sha256) || b.offset + b.length > file.length) {
      b.isSettled = true;
      release(b.payloadBytes);
      continue;
    }
    const counted = await writer.blobSpace.placeCarried(b.sha256, b.payloadBytes, async () => {
      const carried = decodeJournalBlob(file.subarray(b.offset, b.offset + b.length - 1));
      if (!carried) throw new Error(`journal payload ${b.sha256} of session ${writer.sessionId} does not decode to its hash`);
      await writeFileDurable(fs, spoolBlobPath(writer.dir, b.sha256), spoolBlobDir(writer.dir), carried.bytes);
    });
    b.isSettled = true;
    if (!counted) release(b.payloadBytes);
  }
}

/** Name of a journal file: creation time and a counter, so names sort in write order. */
export function journalName(time: number, counter: number): string {
  return `${String(time).padStart(15, '0')}-${String(counter).padStart(6, '0')}.jsonl`;
}

/** Event types whose data the index reads; others keep only their envelope in memory until split. */
const INDEXED_TYPES = new Set(['session.start', 'auth.failure', 'query', 'query.denied', 'query.end', 'session.end', 'session.interrupted']);

/** The shared, group-committed spool journal. */
export class Journal {
  private current: OpenJournal | undefined;
  /** The newest journal file: the next one confirms nothing before it has confirmed everything. */
  private lastFile: SpoolFile | undefined;
  private splitting: Promise<void> = Promise.resolve();
  private counter = 0;
  /** A payload line was appended and the `result` event referring to it is still to come. */
  private isCarrying = false;
  private readonly options: JournalOptions;
  private readonly stopping = new AbortController();

  constructor(options: JournalOptions) {
    this.options = options;
  }

  /** Age (ms) of the open journal, undefined when none. */
  age(now: number): number | undefined {
    return this.current ? now - this.current.firstTime : undefined;
  }

  /** Appends one event line of `writer`: tells when it is written, and when durable. */
  append(writer: SessionWriter, line: Buffer, event: RecordingEvent, hash: string, time: number): TrackedAppend {
    const cur = (this.current ??= this.open());
    const entry = this.entryOf(cur, writer);
    const blob = blobOfEvent(event);
    const kept = INDEXED_TYPES.has(event.type) ? event : { ...event, data: {} };
    entry.ranges.push({ offset: cur.file.size, length: line.length + 1, hash, time, event: kept, ...(blob !== undefined ? { blob } : {}) });
    const appended = cur.file.appendTracked([line, NEWLINE]);
    // A `gap` event may come between a payload line and the `result` event that refers to it
    // (best-effort tells earlier drops first): the journal is not sealed between the two.
    if (event.type !== 'gap') this.isCarrying = false;
    if (cur.file.size >= this.options.maxBytes && !this.isCarrying) this.seal();
    return appended;
  }

  /**
   * Appends a payload line of `writer` (encodeJournalBlob: a small v2 result payload). Never seals: the `result` event
   * that refers to it is appended right after, in the same journal, and one fdatasync covers both.
   */
  appendBlob(writer: SessionWriter, sha256: string, line: Buffer, payloadBytes: number): TrackedAppend {
    const cur = (this.current ??= this.open());
    this.isCarrying = true;
    this.entryOf(cur, writer).blobs.push({ offset: cur.file.size, length: line.length + 1, sha256, payloadBytes });
    return cur.file.appendTracked([line, NEWLINE]);
  }

  private entryOf(cur: OpenJournal, writer: SessionWriter): Entry {
    let entry = cur.writers.get(writer);
    if (!entry) {
      entry = { ranges: [], blobs: [], refs: new Set(), isSplit: false };
      cur.writers.set(writer, entry);
    }
    return entry;
  }

  /** Seals the open journal: it will be split into per-session segments. */
  seal(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    this.isCarrying = false;
    for (const writer of cur.writers.keys()) writer.detach();
    this.splitting = this.splitting.then(() => this.splitUntilDone(cur));
  }

  /** Resolves once every seal started so far is split (or given up by stop()). */
  async settled(): Promise<void> {
    await this.splitting;
  }

  /** Stops retrying failed splits: what is left stays in the journal folder for the next start. */
  stop(): void {
    this.stopping.abort();
  }

  private open(): OpenJournal {
    const t = this.options.now();
    const path = join(this.options.dir, journalName(Date.now(), ++this.counter));
    const after = this.lastFile?.confirmedAll();
    const file = new SpoolFile({ path, fs: this.options.fs, onFsync: this.options.onFsync, ...(after ? { after } : {}), ...(this.options.onWriteFailure ? { onFail: this.options.onWriteFailure } : {}), ...(this.options.syncsInFlight ? { maxSyncsInFlight: this.options.syncsInFlight } : {}) });
    this.lastFile = file;
    return { file, path, firstTime: t, writers: new Map() };
  }

  private async splitUntilDone(cur: OpenJournal): Promise<void> {
    await cur.file.close();
    // Events that never became durable were refused (required) or counted dropped (best-effort):
    // give their space back now, before any I/O of the split can fail.
    const durable = cur.file.durableSize;
    let lost = 0;
    for (const entry of cur.writers.values()) {
      const kept = entry.ranges.filter((r) => r.offset + r.length <= durable);
      for (const r of entry.ranges.slice(kept.length)) lost += r.length;
      entry.ranges = kept;
      // A payload line took room for itself and for the blob file the split may write from it: one
      // that did not become durable gives both back now; a durable one gives its line's room back
      // once the journal is deleted, and its file's room when no durable event refers to it.
      const durableBlobs = entry.blobs.filter((b) => b.offset + b.length <= durable);
      for (const b of entry.blobs) if (!durableBlobs.includes(b)) lost += b.length + b.payloadBytes;
      entry.blobs = durableBlobs;
      entry.refs = new Set(kept.map((r) => r.blob).filter((sha) => sha !== undefined));
    }
    if (lost > 0) this.options.release(lost);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.split(cur);
        return;
      } catch (err) {
        this.options.onWriteFailure?.(err);
        if (attempt === 0 || attempt % 20 === 0) this.options.logger.error({ err, journal: cur.path, attempt }, 'splitting the recording journal failed, retrying');
        if (this.stopping.signal.aborted) return;
        await sleep(backoffDelay(attempt, Math.random, 50, 2000), this.stopping.signal);
        if (this.stopping.signal.aborted) return;
      }
    }
  }

  private async split(cur: OpenJournal): Promise<void> {
    const fs = this.options.fs;
    const durable = cur.file.durableSize;
    let bytes: Buffer | undefined;
    for (const [writer, entry] of cur.writers) {
      if (entry.isSplit) continue;
      if (entry.ranges.length === 0) {
        entry.isSplit = true;
        writer.attachSealed(undefined);
        continue;
      }
      bytes ??= (await fs.readFile(cur.path)).subarray(0, durable);
      const file = bytes;
      // Payloads first: a segment never refers to a blob the spool does not hold.
      await writeCarriedBlobs(fs, writer, entry, file, this.options.release);
      const body = Buffer.concat(entry.ranges.map((r) => file.subarray(r.offset, r.offset + r.length)));
      const no = (entry.no ??= writer.nextSegmentNo());
      const path = join(writer.dir, sealedSegmentName(no));
      await writeFileDurable(fs, path, writer.dir, body);
      const first = entry.ranges[0]!;
      const last = entry.ranges[entry.ranges.length - 1]!;
      for (const r of entry.ranges) applyEventToIndex(writer.summary, writer.touched, writer.querySeqs, r.event, no);
      const meta: SealedSegment = { no, path, bytes: body.length, firstSeq: first.event.seq, lastSeq: last.event.seq, lastHash: last.hash, firstTime: first.time, lastTime: last.time };
      entry.isSplit = true;
      writer.attachSealed(meta);
      this.options.onSealed(writer);
    }
    // Every durable event is in a segment now; a journal that cannot be deleted is split again
    // (idempotently) by the next start.
    await fs.unlink(cur.path).catch(() => undefined);
    let lines = 0;
    for (const entry of cur.writers.values()) for (const b of entry.blobs) lines += b.length;
    if (lines > 0) this.options.release(lines);
  }
}
