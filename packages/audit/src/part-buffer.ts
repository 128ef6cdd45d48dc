/**
 * One buffer for the stored bytes of the result part being decoded, reused from part to part. A
 * part's bytes are read whole (its hash is checked before any row is shown) and live while its
 * rows are decoded, long enough for V8 to move them to the old generation; a fresh buffer a part
 * then stays in memory, dead, until the next full collection — tens of MiB over a large session.
 * The buffer is lent to one part at a time: while a part still reads it, the next part gets a
 * buffer of its own, so bytes are never overwritten under a reader.
 */

/** A buffer lent for one part, and how to give it back (idempotent). */
export interface PartBytesLease {
  buffer: Buffer;
  release: () => void;
}

/** Largest buffer kept for reuse; a larger part gets its own. */
export const MAX_REUSED_BYTES = 64 * 1024 * 1024;

/** Lends one reusable buffer to one part at a time. */
export class PartBuffer {
  private buffer: Buffer | undefined;
  private lent = false;

  /** A buffer of at least `size` bytes: the shared one when it is free, else a fresh one. */
  lease(size: number): PartBytesLease {
    if (this.lent || size > MAX_REUSED_BYTES) return { buffer: Buffer.allocUnsafeSlow(size), release: () => undefined };
    if (!this.buffer || this.buffer.length < size) this.buffer = Buffer.allocUnsafeSlow(size);
    this.lent = true;
    let released = false;
    return {
      buffer: this.buffer,
      release: () => {
        if (released) return;
        released = true;
        this.lent = false;
      },
    };
  }
}
