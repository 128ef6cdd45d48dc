/**
 * One session's writer: assigns sequence numbers and chain hashes synchronously (so event order is
 * call order), appends to the session's open spool segment, rotates segments by size and age, and
 * keeps the summary and touched statements the next index part will carry.
 */
import { encodeEvent, type ChainHead } from './chain.js';
import { FORMAT_VERSION, type BlobRef, type EventType, type FormatVersion, type IndexStatement, type SessionSummary } from './format.js';
import { pad } from './layout.js';
import { encodeJournalBlob, type Journal } from './journal.js';
import type { TrackedAppend } from './spool-file.js';
import { spoolBlobDir } from './blob-spool.js';
import { SpoolBlobSpace } from './blob-space.js';
import type { SpoolFs } from './spool-fs.js';

/** A sealed segment waiting for upload and digest. */
export interface SealedSegment {
  no: number;
  path: string;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  firstTime: number;
  lastTime: number;
  /** Set once the store acknowledged it. */
  uploaded?: { key: string; sha256: string; bytes: number };
  /** v2: the blobs its `result` events reference (known once it was read for upload). */
  blobs?: BlobRef[];
}

/** What the writer needs from the recorder. */
export interface SessionWriterHost {
  now(): number;
  /** The shared, group-committed spool journal. */
  journal: Journal;
  /** Reserves spool space for an event or blob bytes; false when the spool is full. */
  reserve(bytes: number, isClosing: boolean): boolean;
  /** Gives back spool space (blob bytes not kept, or whose file is gone). */
  release(bytes: number): void;
  /** The spool's file layer (v2 blob files). */
  fs: SpoolFs;
}

/** Name of a sealed segment file in a session's spool folder. */
export function sealedSegmentName(no: number): string {
  return `${pad(no)}.jsonl`;
}

/** Best-effort events dropped and not yet told by a `gap` event. */
export interface PendingGap {
  dropped: number;
  firstAt: number;
  lastAt: number;
  reasons: Record<string, number>;
}

/** The writer of one session. */
export class SessionWriter {
  readonly sessionId: string;
  readonly dir: string;
  head: ChainHead;
  summary: SessionSummary;
  touched = new Map<number, IndexStatement>();
  readonly querySeqs = new Map<string, number>();
  sealed: SealedSegment[] = [];
  /** Number of the last segment given (or recovered); segments are numbered when split. */
  segNo: number;
  final = false;
  /** The final digest is acknowledged: only the spool folder is left to remove. */
  isFinished = false;
  /** best-effort: v2 blob commits still running (the session's end waits for them). */
  readonly blobCommits = new Set<Promise<void>>();
  /** Best-effort drops waiting for their `gap` event. */
  gap: PendingGap | undefined;
  /** A `gap` event is being made durable. */
  isGapInFlight = false;
  /** Set by recovery: the store may hold a digest the local state does not know yet. */
  shouldReconcile = false;
  /** Format of this session's events: v2 stores result payloads as blobs. */
  readonly formatVersion: FormatVersion;
  /** v2: blobs the store acknowledged in this process (content-addressed: uploaded once). */
  readonly uploadedBlobs = new Set<string>();
  /** v2: the session's spool blob files and the spool space they hold. */
  readonly blobSpace: SpoolBlobSpace;
  /** Time of this session's first event in the open journal, if it has events there. */
  private openSince: number | undefined;
  /** Journal seals holding this session's events that are not split yet. */
  private splitting = 0;
  private durableHead: ChainHead;
  private readonly host: SessionWriterHost;

  constructor(options: { sessionId: string; dir: string; head: ChainHead; summary: SessionSummary; segNo: number; host: SessionWriterHost; formatVersion?: FormatVersion }) {
    this.sessionId = options.sessionId;
    this.formatVersion = options.formatVersion ?? FORMAT_VERSION;
    this.dir = options.dir;
    this.head = options.head;
    this.durableHead = options.head;
    this.summary = options.summary;
    this.segNo = options.segNo;
    this.host = options.host;
    const host = options.host;
    this.blobSpace = new SpoolBlobSpace(host.fs, spoolBlobDir(options.dir), { reserve: (bytes) => host.reserve(bytes, false), release: (bytes) => host.release(bytes) });
  }

  /** Time the oldest event not yet acknowledged by the store was written (ms), if any. */
  get oldestPending(): number | undefined {
    const times = this.sealed.filter((s) => !s.uploaded).map((s) => s.firstTime);
    if (this.openSince !== undefined) times.push(this.openSince);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /**
   * Appends an event; returns undefined when the spool refused it (full), else a promise that
   * resolves when the event is durable. Sequence and hash are fixed before this returns.
   */
  append(type: EventType, data: object, isClosing = false): Promise<void> | undefined {
    return this.appendTracked(type, data, isClosing)?.durable;
  }

  /** Like append, and also tells when the event is written to the journal (before it is durable). */
  appendTracked(type: EventType, data: object, isClosing = false): TrackedAppend | undefined {
    const time = this.host.now();
    const { line, head, event } = encodeEvent(this.head, this.sessionId, time, type, data, this.formatVersion);
    const bytes = line.length + 1;
    if (!this.host.reserve(bytes, isClosing)) return undefined;
    this.head = head;
    this.openSince ??= time;
    // The request id → seq link is needed at once (query.end and results name their query); the
    // rest of the index is applied when the event is split into a segment, i.e. only once durable.
    if ((type === 'query' || type === 'query.denied') && typeof (data as { requestId?: unknown }).requestId === 'string') {
      this.querySeqs.set((data as { requestId: string }).requestId, head.seq);
    }
    const { written, durable } = this.host.journal.append(this, line, event, head.hash, time);
    return {
      written,
      durable: durable.then(
        () => {
          if (head.seq > this.durableHead.seq) this.durableHead = head;
        },
        (err: unknown) => {
          // A failed write leaves the chain at the last durable event: later events continue from it
          // in a fresh journal, so the stored chain has no hole.
          if (this.head.seq > this.durableHead.seq) {
            this.head = this.durableHead;
            this.host.journal.seal();
          }
          throw err;
        },
      ),
    };
  }

  /**
   * Appends a small result payload to the journal (v2), to be referred to by the `result` event
   * appended right after it; undefined when the spool refused it (full). Not part of the chain.
   */
  appendBlob(sha256: string, bytes: Buffer): TrackedAppend | undefined {
    const line = encodeJournalBlob(this.sessionId, sha256, bytes);
    // Room for the line and for the blob file the journal's split writes from it (both exist for a while).
    if (!this.host.reserve(line.length + 1 + bytes.length, false)) return undefined;
    this.openSince ??= this.host.now();
    const appended = this.host.journal.appendBlob(this, sha256, line, bytes.length);
    // Its failure is the failure of the `result` event appended after it (the journal confirms in order).
    appended.durable.catch(() => undefined);
    return appended;
  }

  /** Seals the open journal (every session's open segment): used at shutdown and by tests. */
  rotate(): void {
    this.host.journal.seal();
  }

  /** Called by the journal when it is sealed: this session's events in it are being split out. */
  detach(): void {
    this.openSince = undefined;
    this.splitting++;
  }

  /** The number of this session's next segment (called by the split, in journal order). */
  nextSegmentNo(): number {
    return ++this.segNo;
  }

  /** Called by the journal once the segment is on disk (undefined: nothing of it was durable). */
  attachSealed(meta: SealedSegment | undefined): void {
    this.splitting--;
    if (!meta) return;
    this.sealed.push(meta);
    this.sealed.sort((a, b) => a.no - b.no);
  }

  /** Resolves once every journal seal started so far is split. */
  async settled(): Promise<void> {
    await this.host.journal.settled();
  }

  /** True when nothing is open or being split: the final digest may be written. */
  get isDrained(): boolean {
    return this.openSince === undefined && this.splitting === 0;
  }
}
