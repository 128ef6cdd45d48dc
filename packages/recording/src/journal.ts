/**
 * The process-wide spool journal: every session's events are appended to one file, so one
 * write+fdatasync (group commit) makes every event queued meanwhile durable, whichever session it
 * belongs to. When the journal is sealed (by age or size) it is split into one segment file per
 * session (each written and fsync'd once), which the uploader ships; then the journal is deleted.
 * A crash leaves journal files that recovery splits the same way (events carry sessionId and seq).
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { sha256Hex } from './chain.js';
import type { SealedSegment, SessionWriter } from './session-writer.js';
import { sealedSegmentName } from './session-writer.js';
import { SpoolFile } from './spool-file.js';
import { writeFileDurable } from './spool-state.js';

const NEWLINE = Buffer.from('\n');

interface OpenJournal {
  file: SpoolFile;
  path: string;
  firstTime: number;
  writers: Map<SessionWriter, { meta: SealedSegment; ranges: [number, number][] }>;
}

/** Options of the journal. */
export interface JournalOptions {
  dir: string;
  maxBytes: number;
  now: () => number;
  logger: Logger;
  onFsync(seconds: number): void;
  /** Gives back reserved space of events that never became durable. */
  release(bytes: number): void;
  /** A session got a new sealed segment. */
  onSealed(writer: SessionWriter): void;
}

/** Name of a journal file: creation time and a counter, so names sort in write order. */
export function journalName(time: number, counter: number): string {
  return `${String(time).padStart(15, '0')}-${String(counter).padStart(6, '0')}.jsonl`;
}

/** The shared, group-committed spool journal. */
export class Journal {
  private current: OpenJournal | undefined;
  private splitting: Promise<void> = Promise.resolve();
  private counter = 0;
  private readonly options: JournalOptions;

  constructor(options: JournalOptions) {
    this.options = options;
  }

  /** Age (ms) of the open journal, undefined when none. */
  age(now: number): number | undefined {
    return this.current ? now - this.current.firstTime : undefined;
  }

  /** Appends one event line of `writer` (segment `meta`); resolves when durable. */
  append(writer: SessionWriter, meta: SealedSegment, line: Buffer): Promise<void> {
    const cur = (this.current ??= this.open());
    let entry = cur.writers.get(writer);
    if (!entry) {
      entry = { meta, ranges: [] };
      cur.writers.set(writer, entry);
    }
    entry.ranges.push([cur.file.size, line.length + 1]);
    const durable = cur.file.append([line, NEWLINE]);
    if (cur.file.size >= this.options.maxBytes) this.seal();
    return durable;
  }

  /** Seals the open journal: it will be split into per-session segments. */
  seal(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    for (const [writer, entry] of cur.writers) writer.detach(entry.meta);
    this.splitting = this.splitting.then(
      () => this.split(cur),
      () => this.split(cur),
    );
    this.splitting.catch((err: unknown) => this.options.logger.error({ err }, 'splitting the recording journal failed'));
  }

  /** Resolves once every seal started so far is split. */
  async settled(): Promise<void> {
    await this.splitting.catch(() => undefined);
  }

  private open(): OpenJournal {
    const t = this.options.now();
    const path = join(this.options.dir, journalName(Date.now(), ++this.counter));
    return { file: new SpoolFile({ path, onFsync: this.options.onFsync }), path, firstTime: t, writers: new Map() };
  }

  private async split(cur: OpenJournal): Promise<void> {
    await cur.file.close();
    const durable = cur.file.durableSize;
    const bytes = durable > 0 ? await readFile(cur.path) : Buffer.alloc(0);
    for (const [writer, { meta, ranges }] of cur.writers) {
      const kept = ranges.filter(([o, l]) => o + l <= durable);
      const lost = ranges.filter(([o, l]) => o + l > durable).reduce((a, [, l]) => a + l, 0);
      if (lost > 0) this.options.release(lost);
      if (kept.length === 0) {
        writer.attachSealed(undefined);
        continue;
      }
      const body = Buffer.concat(kept.map(([o, l]) => bytes.subarray(o, o + l)));
      const path = join(writer.dir, sealedSegmentName(meta.no));
      await writeFileDurable(path, writer.dir, body);
      meta.path = path;
      meta.bytes = body.length;
      if (kept.length < ranges.length) {
        // The tail of this session's events never became durable: the segment ends earlier.
        const [o, l] = kept[kept.length - 1]!;
        const last = bytes.subarray(o, o + l - 1);
        const event = JSON.parse(last.toString('utf8')) as { seq: number; time: string };
        meta.lastSeq = event.seq;
        meta.lastHash = sha256Hex(last);
        meta.lastTime = Date.parse(event.time);
      }
      writer.attachSealed(meta);
      this.options.onSealed(writer);
    }
    await unlink(cur.path).catch(() => undefined);
  }
}
