/**
 * An append-only spool file with group commit: appends queue while a write+fdatasync is in flight,
 * then the whole queue is written with one writev and made durable with one fdatasync, and every
 * waiter of that batch resolves together. Order of appends is the order of bytes in the file.
 */
import { open, type FileHandle } from 'node:fs/promises';

interface Pending {
  buffers: Buffer[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Options of a spool file. */
export interface SpoolFileOptions {
  path: string;
  /** Observes the duration of each fdatasync (seconds). */
  onFsync?: (seconds: number) => void;
  /** Already present bytes (a recovered file is appended to). */
  initialSize?: number;
}

/** An append-only, group-committed file. */
export class SpoolFile {
  readonly path: string;
  /** Bytes queued or written (what the file will hold once durable). */
  size: number;
  /** Bytes confirmed durable. */
  durableSize: number;
  private handle: Promise<FileHandle>;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failed: unknown;
  private readonly onFsync: ((seconds: number) => void) | undefined;

  constructor(options: SpoolFileOptions) {
    this.path = options.path;
    this.size = options.initialSize ?? 0;
    this.durableSize = this.size;
    this.onFsync = options.onFsync;
    this.handle = open(this.path, 'a');
    // An open failure surfaces on the first append; keep it from being an unhandled rejection.
    this.handle.catch(() => undefined);
  }

  /** True once a write or fsync failed; the file takes no more appends. */
  get isFailed(): boolean {
    return this.failed !== undefined;
  }

  /** Queues buffers (written contiguously, in order); resolves once durable. */
  append(buffers: Buffer[]): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    for (const b of buffers) this.size += b.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buffers, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flushLoop();
    });
  }

  /** Resolves once everything appended so far is durable (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Drains and closes the file. */
  async close(): Promise<void> {
    await this.drain();
    const h = await this.handle.catch(() => undefined);
    // A failed batch may have left a partial line: cut the file back to what was acknowledged.
    if (this.failed !== undefined) await h?.truncate(this.durableSize).catch(() => undefined);
    await h?.close().catch(() => undefined);
  }

  private async flushLoop(): Promise<void> {
    try {
      const handle = await this.handle;
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const buffers = batch.flatMap((p) => p.buffers);
        try {
          let total = 0;
          for (const b of buffers) total += b.length;
          let written = 0;
          // writev may write partially; continue until the batch is on disk.
          let rest = buffers;
          while (written < total) {
            const { bytesWritten } = await handle.writev(rest);
            written += bytesWritten;
            if (written < total) rest = sliceBuffers(buffers, written);
          }
          const started = process.hrtime.bigint();
          await handle.datasync();
          this.onFsync?.(Number(process.hrtime.bigint() - started) / 1e9);
          this.durableSize += total;
          for (const p of batch) p.resolve();
        } catch (err) {
          this.failed = err;
          for (const p of batch) p.reject(err);
          for (const p of this.queue) p.reject(err);
          this.queue = [];
        }
      }
    } catch (err) {
      this.failed = err;
      for (const p of this.queue) p.reject(err);
      this.queue = [];
    } finally {
      this.flushing = undefined;
    }
  }
}

function sliceBuffers(buffers: Buffer[], offset: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = offset;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
