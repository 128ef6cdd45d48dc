/**
 * One session's writer: assigns sequence numbers and chain hashes synchronously (so event order is
 * call order), appends to the session's open spool segment, rotates segments by size and age, and
 * keeps the summary and touched statements the next index part will carry.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeEvent, type ChainHead } from './chain.js';
import type { EventType, IndexStatement, SessionSummary } from './format.js';
import { applyEventToIndex } from './index-object.js';
import { pad } from './layout.js';
import { SpoolFile } from './spool-file.js';

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
}

/** What the writer needs from the recorder. */
export interface SessionWriterHost {
  now(): number;
  maxSegmentBytes: number;
  onFsync(seconds: number): void;
  /** Reserves spool space for an event; false when the spool is full. */
  reserve(bytes: number, isClosing: boolean): boolean;
  /** Gives back reserved space that never reached the disk (a failed write). */
  release(bytes: number): void;
  onSealed(writer: SessionWriter): void;
}

/** Segment file names in a session's spool folder. */
export function openSegmentName(no: number): string {
  return `${pad(no)}.open.jsonl`;
}
/** Name of a sealed segment file. */
export function sealedSegmentName(no: number): string {
  return `${pad(no)}.jsonl`;
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
  /** Number of the last segment opened (or recovered). */
  segNo: number;
  final = false;
  private current: { file: SpoolFile; meta: SealedSegment } | undefined;
  private sealing: Promise<void>[] = [];
  private durableHead: ChainHead;
  private readonly host: SessionWriterHost;

  constructor(options: { sessionId: string; dir: string; head: ChainHead; summary: SessionSummary; segNo: number; host: SessionWriterHost }) {
    this.sessionId = options.sessionId;
    this.dir = options.dir;
    this.head = options.head;
    this.durableHead = options.head;
    this.summary = options.summary;
    this.segNo = options.segNo;
    this.host = options.host;
  }

  /** Time the oldest event not yet in a sealed, uploaded segment was written (ms), if any. */
  get oldestPending(): number | undefined {
    const times = this.sealed.filter((s) => !s.uploaded).map((s) => s.firstTime);
    if (this.current) times.push(this.current.meta.firstTime);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Age of the open segment in ms (undefined when none). */
  openSegmentAge(now: number): number | undefined {
    return this.current ? now - this.current.meta.firstTime : undefined;
  }

  /**
   * Appends an event; returns undefined when the spool refused it (full), else a promise that
   * resolves when the event is durable. Sequence and hash are fixed before this returns.
   */
  append(type: EventType, data: object, isClosing = false): Promise<void> | undefined {
    const time = this.host.now();
    const { line, head, event } = encodeEvent(this.head, this.sessionId, time, type, data);
    const bytes = line.length + 1;
    if (!this.host.reserve(bytes, isClosing)) return undefined;
    this.head = head;
    if (!this.current) this.openSegment(time, head.seq);
    const cur = this.current!;
    cur.meta.bytes += bytes;
    cur.meta.lastSeq = head.seq;
    cur.meta.lastHash = head.hash;
    cur.meta.lastTime = time;
    applyEventToIndex(this.summary, this.touched, this.querySeqs, event, cur.meta.no);
    const file = cur.file;
    const durable = file.append([line, Buffer.from('\n')]).then(
      () => {
        if (head.seq > this.durableHead.seq) this.durableHead = head;
      },
      (err: unknown) => {
        // A failed write leaves the chain at the last durable event: later events continue from it
        // in a fresh segment, so the stored chain has no hole.
        if (this.head.seq > this.durableHead.seq) {
          this.head = this.durableHead;
          if (this.current?.file === file) this.rotate();
        }
        throw err;
      },
    );
    if (cur.meta.bytes >= this.host.maxSegmentBytes) this.rotate();
    return durable;
  }

  /** Seals the open segment (if any): it becomes eligible for upload. */
  rotate(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    const p = (async () => {
      await cur.file.close();
      const bytes = cur.file.durableSize;
      if (cur.meta.bytes > bytes) this.host.release(cur.meta.bytes - bytes);
      if (bytes === 0) {
        await unlink(cur.file.path).catch(() => undefined);
        return;
      }
      await rename(cur.file.path, join(this.dir, sealedSegmentName(cur.meta.no)));
      cur.meta.path = join(this.dir, sealedSegmentName(cur.meta.no));
      cur.meta.bytes = bytes;
      if (cur.file.isFailed) {
        cur.meta.lastSeq = this.durableHead.seq;
        cur.meta.lastHash = this.durableHead.hash;
      }
      this.sealed.push(cur.meta);
      this.sealed.sort((a, b) => a.no - b.no);
      this.host.onSealed(this);
    })();
    this.sealing.push(p);
    void p.finally(() => {
      this.sealing = this.sealing.filter((x) => x !== p);
    });
  }

  /** Resolves once every rotation started so far finished. */
  async settled(): Promise<void> {
    while (this.sealing.length > 0) await Promise.allSettled(this.sealing);
  }

  /** True when nothing is open, sealing or waiting: the final digest may be written. */
  get isDrained(): boolean {
    return !this.current && this.sealing.length === 0;
  }

  private openSegment(time: number, seq: number): void {
    this.segNo++;
    const path = join(this.dir, openSegmentName(this.segNo));
    const file = new SpoolFile({ path, onFsync: (s) => this.host.onFsync(s) });
    this.current = { file, meta: { no: this.segNo, path, bytes: 0, firstSeq: seq, lastSeq: seq, lastHash: '', firstTime: time, lastTime: time } };
  }
}
