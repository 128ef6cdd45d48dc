/**
 * Format v2's spool blob files: a result payload's stored bytes are written, as they stream, to a
 * temp file in the session's spool folder (through the spool's file layer, so disk faults reach
 * them), hashed on the way; `finish` makes the file durable (one fdatasync), names it by its
 * SHA-256 (`blobs/<sha256>`, a rename, then the folder's fsync) and returns the reference the
 * `result` event carries. Identical payloads land on the same name: stored once.
 */
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import type { BlobRef } from './format.js';
import type { SpoolFileHandle, SpoolFs } from './spool-fs.js';
import { syncDir } from './spool-state.js';

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

/** One payload being written to the spool. */
export class SpoolBlobWriter {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private readonly tmpPath: string;
  private readonly dir: string;
  private readonly handle: Promise<SpoolFileHandle>;
  private chain: Promise<void>;
  private failure: unknown;

  constructor(
    private readonly fs: SpoolFs,
    sessionDir: string,
    name: string,
  ) {
    this.dir = spoolBlobDir(sessionDir);
    this.tmpPath = join(this.dir, `.tmp-${name}`);
    this.handle = fs.mkdir(this.dir).then(() => fs.open(this.tmpPath, 'w'));
    this.chain = this.handle.then(() => undefined);
    this.chain.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Bytes accepted so far. */
  get size(): number {
    return this.bytes;
  }

  /** Appends bytes (in call order); resolves once they are written (not yet durable). */
  write(buf: Buffer): Promise<void> {
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
    try {
      await handle.datasync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    const ref: BlobRef = { sha256: this.hash.digest('hex'), bytes: this.bytes };
    // Same content, same name: renaming over an existing copy keeps one file with those bytes.
    await this.fs.rename(this.tmpPath, join(this.dir, ref.sha256));
    await syncDir(this.fs, this.dir);
    return ref;
  }

  /** Drops the temp file (the part was aborted or failed). */
  async discard(): Promise<void> {
    await this.chain;
    await (await this.handle.catch(() => undefined))?.close().catch(() => undefined);
    await this.fs.unlink(this.tmpPath).catch(() => undefined);
  }
}
