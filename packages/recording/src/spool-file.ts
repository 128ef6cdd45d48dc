/**
 * An append-only spool file with pipelined group commit. Appends queue while a write is running;
 * each batch is written with one writev and covered by its own fdatasync, started as soon as the
 * batch is written, even while the previous batch's fdatasync is still running (at most
 * a bounded number at once). So an append that arrives during an fdatasync is made durable by
 * the next one, and no append waits for more than two. Order of appends is the order of bytes in
 * the file; a batch resolves only once every byte before it is durable too.
 *
 * After any write or fdatasync failure the file is failed for good: nothing not yet confirmed is
 * ever confirmed (a later fdatasync may "succeed" after the kernel dropped the failed pages), so
 * durableSize is exactly the bytes of the batches that resolved.
 */
import { dirname } from 'node:path';
import type { SpoolFileHandle, SpoolFs } from './spool-fs.js';
import { syncDir } from './spool-state.js';

interface Pending {
  buffers: Buffer[];
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Told once the buffers are in the file (written, not yet durable), or that they never will be. */
  written?: { resolve: () => void; reject: (err: unknown) => void };
}

/** The two points an append reaches: in the file (survives the process), then durable (survives the machine). */
export interface TrackedAppend {
  /** Resolves once the bytes are written to the file (a process crash no longer loses them). */
  written: Promise<void>;
  /** Resolves once they, and every byte before them, are durable. */
  durable: Promise<void>;
}

/** fdatasyncs allowed in flight by default: a third batch waits for the oldest, bounding any wait to two. */
const MAX_SYNCS_IN_FLIGHT = 2;

/** Options of a spool file. */
export interface SpoolFileOptions {
  path: string;
  fs: SpoolFs;
  /** Observes the duration of each fdatasync (seconds). */
  onFsync?: (seconds: number) => void;
  /** Already present bytes (a recovered file is appended to). */
  initialSize?: number;
  /** fdatasyncs in flight at once (default 2; 1 writes a batch only after the previous one is durable). */
  maxSyncsInFlight?: number;
  /**
   * The previous file's confirmedAll(): this file confirms nothing before it resolves, and fails
   * if it rejects. Events continue chains whose earlier events may be in the previous file, so
   * confirmations stay in global order and a failure there cannot leave a confirmed event here
   * whose predecessor was lost.
   */
  after?: Promise<void>;
  /** Told once, when the file fails. */
  onFail?: (err: unknown) => void;
}

/** An append-only, group-committed file. */
export class SpoolFile {
  readonly path: string;
  /** Bytes queued or written (what the file will hold once durable). */
  size: number;
  /** Bytes confirmed durable. */
  durableSize: number;
  private written: number;
  private handle: Promise<SpoolFileHandle>;
  private queue: Pending[] = [];
  private unsynced: { end: number; batch: Pending[] }[] = [];
  private syncs: Promise<void>[] = [];
  private pumping: Promise<void> | undefined;
  private failed: unknown;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  private readonly maxSyncs: number;
  private readonly after: Promise<void>;
  private readonly onFail: ((err: unknown) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SpoolFileOptions) {
    this.path = options.path;
    this.size = options.initialSize ?? 0;
    this.durableSize = this.size;
    this.written = this.size;
    this.onFsync = options.onFsync;
    this.maxSyncs = Math.max(1, options.maxSyncsInFlight ?? MAX_SYNCS_IN_FLIGHT);
    this.onFail = options.onFail;
    this.after = options.after ?? Promise.resolve();
    this.after.catch((err: unknown) => this.fail(err));
    this.handle = openDurably(options.fs, this.path);
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
      this.pumping ??= this.pump();
    });
  }

  /** Like append, and also tells when the buffers are written (before they are durable). */
  appendTracked(buffers: Buffer[]): TrackedAppend {
    if (this.failed !== undefined) {
      const rejected = Promise.reject(this.failed);
      rejected.catch(() => undefined);
      return { written: rejected, durable: Promise.reject(this.failed) };
    }
    for (const b of buffers) this.size += b.length;
    let written!: Pending['written'];
    const writtenP = new Promise<void>((resolve, reject) => {
      written = { resolve, reject };
    });
    const durable = new Promise<void>((resolve, reject) => {
      this.queue.push({ buffers, resolve, reject, written });
      this.pumping ??= this.pump();
    });
    // Callers that only need durability may ignore `written`; its failure also rejects `durable`.
    writtenP.catch(() => undefined);
    return { written: writtenP, durable };
  }

  /**
   * Resolves once every append accepted so far is durable, rejects if one of them fails. A file
   * that already failed has nothing pending (every unconfirmed append was rejected): resolves.
   */
  confirmedAll(): Promise<void> {
    if (this.failed !== undefined) return Promise.resolve();
    // Closing: no more appends; what it holds is confirmed or failed once the close drained it.
    if (this.closing) return this.closing.then(() => (this.failed !== undefined ? Promise.reject(this.failed) : this.after));
    if (this.queue.length === 0 && this.unsynced.length === 0 && this.pumping === undefined) return this.after;
    return this.append([]);
  }

  /** Resolves once everything appended so far is durable (or has failed). */
  async drain(): Promise<void> {
    while (this.pumping !== undefined || this.syncs.length > 0) {
      await this.pumping;
      await Promise.all(this.syncs);
    }
  }

  /** Drains and closes the file; a failed file is cut back to what was acknowledged. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    await this.drain();
    const h = await this.handle.catch(() => undefined);
    if (this.failed !== undefined) await h?.truncate(this.durableSize).catch(() => undefined);
    await h?.close().catch(() => undefined);
  }

  private async pump(): Promise<void> {
    try {
      const handle = await this.handle;
      while (this.queue.length > 0 && this.failed === undefined) {
        while (this.syncs.length >= this.maxSyncs) await Promise.race(this.syncs);
        if (this.failed !== undefined) break;
        const batch = this.queue;
        this.queue = [];
        const buffers = batch.flatMap((p) => p.buffers);
        let total = 0;
        for (const b of buffers) total += b.length;
        // Tracked before it is written, so a failure of the write (or of an earlier batch's
        // fdatasync meanwhile) rejects it with the rest.
        this.unsynced.push({ end: this.written + total, batch });
        // writev may write partially; continue until the batch is in the file.
        let done = 0;
        while (done < total) done += (await handle.writev(done === 0 ? buffers : sliceBuffers(buffers, done))).bytesWritten;
        this.written += total;
        if (this.failed !== undefined) break;
        for (const p of batch) p.written?.resolve();
        this.startSync(handle, this.written);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = undefined;
    }
    if (this.queue.length > 0 && this.failed === undefined) this.pumping = this.pump();
    else if (this.failed !== undefined) this.fail(this.failed);
  }

  private startSync(handle: SpoolFileHandle, target: number): void {
    const started = process.hrtime.bigint();
    const sync: Promise<void> = handle
      .datasync()
      .then(async () => {
        this.onFsync?.(Number(process.hrtime.bigint() - started) / 1e9);
        await this.after;
        if (this.failed !== undefined) return this.fail(this.failed);
        while (this.unsynced.length > 0 && this.unsynced[0]!.end <= target) {
          const { end, batch } = this.unsynced.shift()!;
          this.durableSize = end;
          for (const p of batch) p.resolve();
        }
      })
      .catch((err: unknown) => this.fail(err));
    this.syncs.push(sync);
    void sync.finally(() => {
      this.syncs = this.syncs.filter((s) => s !== sync);
    });
  }

  private fail(err: unknown): void {
    if (this.failed === undefined) {
      this.failed = err;
      this.onFail?.(err);
    }
    // A batch already written stays written (its `written` settled first); the rest never will be.
    for (const { batch } of this.unsynced.splice(0)) for (const p of batch) settleFailed(p, this.failed);
    for (const p of this.queue.splice(0)) settleFailed(p, this.failed);
  }
}

function settleFailed(p: Pending, err: unknown): void {
  p.written?.reject(err);
  p.reject(err);
}

/** Opens (creating) the file and makes its directory entry durable, so fdatasync'd bytes cannot vanish with the name. */
async function openDurably(fs: SpoolFs, path: string): Promise<SpoolFileHandle> {
  const handle = await fs.open(path, 'a');
  try {
    await syncDir(fs, dirname(path));
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  return handle;
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
