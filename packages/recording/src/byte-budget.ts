/**
 * A budget of bytes held in memory at once, shared by every session's uploads: blob bodies are
 * read from the spool only once their bytes fit, so uploading many blobs in parallel never holds
 * more than the budget (plus one blob larger than the whole budget, which runs alone). Requests are
 * served in arrival order, so a large blob is not starved by a stream of small ones.
 */

/** Bytes in memory at once across uploads (blob bodies). */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; grant(): void }[] = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ByteBudget: capacity must be an integer ≥ 1 byte, got ${capacity}`);
  }

  /** Bytes that can be acquired now without waiting. */
  get available(): number {
    return this.capacity - this.used;
  }

  /** Waits until `bytes` (at most the whole budget) are free, takes them, and returns their release. */
  acquire(bytes: number): Promise<() => void> {
    const take = Math.min(Math.max(0, bytes), this.capacity);
    return new Promise((resolve) => {
      const grant = (): void => {
        this.used += take;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.used -= take;
          this.serve();
        });
      };
      this.waiting.push({ bytes: take, grant });
      this.serve();
    });
  }

  private serve(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.bytes <= this.capacity - this.used) this.waiting.shift()!.grant();
  }
}
