/**
 * Format v2's spool blob files: a result payload's stored bytes are written, as they stream, to a
 * temp file in the session's spool folder (through the spool's file layer, so disk faults reach
 * them), hashed on the way; `finish` names it by its SHA-256 (`blobs/<sha256>`, a rename) and
 * makes its data and the folder's entry durable (fdatasync and folder fsync at once), then returns
 * the reference the `result` event carries. Identical payloads land on the same name: stored once.
 *
 * Blob bytes count against the spool's cap like events do: each write reserves its bytes first
 * (a write that would pass the cap is refused and the temp file removed), and the space is given
 * back when the file goes (see SpoolBlobSpace).
 */
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import type { BlobRef } from './format.js';
import type { SpoolBlobSpace } from './blob-space.js';
import { isNotFound, type SpoolFileHandle, type SpoolFs } from './spool-fs.js';

/** Reason of a blob write the spool's cap refused. */
export const BLOB_SPOOL_FULL = 'spool_full';

/** True when a blob write failed because the spool's cap refused its bytes. */
export function isBlobSpoolFull(err: unknown): boolean {
  return (err as { reason?: unknown } | undefined)?.reason === BLOB_SPOOL_FULL;
}

function spoolFullError(bytes: number): Error {
  return Object.assign(new Error(`the recording spool is full: ${bytes} more payload bytes do not fit`), { reason: BLOB_SPOOL_FULL });
}

/** The spool folder of a session's blobs. */
export function spoolBlobDir(sessionDir: string): string {
  return join(sessionDir, 'blobs');
}

/** The spool file of a blob. */
export function spoolBlobPath(sessionDir: string, sha256: string): string {
  return join(spoolBlobDir(sessionDir), sha256);
}

/** Writes every byte of `buf` (writev may write partially). */
async function writeAll(handle: SpoolFileHandle, buf: Buffer): Promise<void> {
  let rest = buf;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev([rest]);
    if (bytesWritten <= 0) throw new Error('spool blob write made no progress');
    rest = rest.subarray(bytesWritten);
  }
}

/**
 * Creates a blob's temp file in the session's blob folder, which is created once for the session;
 * a folder gone meanwhile (ENOENT) is created again once.
 */
async function openIn(fs: SpoolFs, space: SpoolBlobSpace, path: string): Promise<SpoolFileHandle> {
  await space.ensureDir();
  try {
    return await fs.open(path, 'w');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await space.ensureDir(true);
    return fs.open(path, 'w');
  }
}

/** One payload being written to the spool. */
export class SpoolBlobWriter {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  /** Spool space reserved for the bytes written so far, until the file is placed or removed. */
  private reserved = 0;
  private readonly tmpPath: string;
  private readonly dir: string;
  private readonly handle: Promise<SpoolFileHandle>;
  private chain: Promise<void>;
  private failure: unknown;

  constructor(
    private readonly fs: SpoolFs,
    private readonly space: SpoolBlobSpace,
    sessionDir: string,
    name: string,
  ) {
    this.dir = spoolBlobDir(sessionDir);
    this.tmpPath = join(this.dir, `.tmp-${name}`);
    this.handle = openIn(fs, space, this.tmpPath);
    // The chain never rejects: a failure is kept and reported by write, finish and discard's callers.
    this.chain = this.handle.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    );
  }

  /** Bytes accepted so far. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Appends bytes (in call order); resolves once they are written (not yet durable). Bytes the
   * spool's cap cannot take are refused (isBlobSpoolFull): nothing of them is written, the temp
   * file is removed and its space given back; every later write and finish fail too.
   */
  write(buf: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.space.reserve(buf.length)) {
      this.failure = spoolFullError(buf.length);
      void this.discard();
      return Promise.reject(this.failure);
    }
    this.reserved += buf.length;
    this.hash.update(buf);
    this.bytes += buf.length;
    const copy = Buffer.from(buf);
    const p = this.chain.then(async () => writeAll(await this.handle, copy));
    this.chain = p.catch((err: unknown) => {
      this.failure ??= err;
    });
    return p;
  }

  /** Makes the blob durable under its content name; rejects if any write failed. */
  async finish(): Promise<BlobRef> {
    await this.chain;
    if (this.failure !== undefined) {
      await this.discard();
      throw this.failure;
    }
    const handle = await this.handle;
    const ref: BlobRef = { sha256: this.hash.digest('hex'), bytes: this.bytes };
    const reserved = this.reserved;
    this.reserved = 0;
    try {
      // Named by content, made durable, counted once, and held for the event about to refer to it.
      await this.space.place(this.tmpPath, ref.sha256, reserved, () => handle.datasync());
    } finally {
      // Closing after the data is durable changes nothing about it: not waited for.
      void handle.close().catch(() => undefined);
    }
    return ref;
  }

  /** Drops the temp file (the part was aborted or failed) and gives its space back. */
  async discard(): Promise<void> {
    await this.chain;
    await (await this.handle.catch(() => undefined))?.close().catch(() => undefined);
    await this.fs.unlink(this.tmpPath).catch(() => undefined);
    this.space.release(this.reserved);
    this.reserved = 0;
  }
}
