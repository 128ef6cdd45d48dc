/**
 * The spool's reserve ("ballast"): a file of zeros kept in the spool while the disk has room. When
 * any spool write fails with ENOSPC the reserve is deleted, which gives the recorder's own
 * bookkeeping room to finish — splitting the journal into segments, saving digest state — so the
 * uploader can free space once the store answers. While the reserve is released new events are
 * refused (spool_full); once it can be written again the recorder takes events again, without a
 * restart. Without it a disk that filled during a store outage could never free itself: freeing
 * segments needs a state save, which needs space.
 *
 * Once released, the reserve is taken back only when the disk has room for it and as much again.
 * Releasing it freed exactly its own bytes: taking it back as soon as they fit again would let a
 * few events in, fill the disk, and release it again, over and over while the store is down.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SpoolFs } from './spool-fs.js';
import { writeFileDurable } from './spool-state.js';

/** Name of the reserve file in the spool folder. */
export const RESERVE_FILE = 'reserve';

/** The reserve of one spool. */
export class SpoolReserve {
  private isHeld = false;
  /** Released at least once: taking it back needs headroom (see the file comment). */
  private wasReleased = false;
  private restoring: Promise<void> | undefined;
  private readonly path: string;

  constructor(
    private readonly fs: SpoolFs,
    private readonly dir: string,
    private readonly bytes: number,
    private readonly logger: Logger,
    /** Told when the reserve is released (true) or back (false). */
    private readonly onChange: (isReleased: boolean) => void = () => undefined,
  ) {
    this.path = join(dir, RESERVE_FILE);
  }

  /** True while the reserve file is in place: new events may be taken. */
  get isAvailable(): boolean {
    return this.isHeld;
  }

  /** Writes the reserve if it is not in place; quietly stays released when there is no room yet. */
  restore(): Promise<void> {
    if (this.isHeld) return Promise.resolve();
    this.restoring ??= this.take()
      .then(
        () => {
          this.isHeld = true;
          this.onChange(false);
          this.logger.info({ bytes: this.bytes }, 'recording spool reserve restored; taking events again');
        },
        () => undefined,
      )
      .finally(() => {
        this.restoring = undefined;
      });
    return this.restoring;
  }

  /** Writes the reserve file; after a release, with room for as much again, which is then given back. */
  private async take(): Promise<void> {
    if (!this.wasReleased) return writeFileDurable(this.fs, this.path, this.dir, Buffer.alloc(this.bytes));
    await writeFileDurable(this.fs, this.path, this.dir, Buffer.alloc(this.bytes * 2));
    try {
      await this.fs.truncate(this.path, this.bytes);
    } catch (err) {
      await this.fs.unlink(this.path).catch(() => undefined);
      throw err;
    }
  }

  /** Told of every failed spool write: on ENOSPC the reserve is given to the recorder's bookkeeping. */
  noteFailure(err: unknown): void {
    if ((err as NodeJS.ErrnoException | undefined)?.code !== 'ENOSPC' || !this.isHeld) return;
    this.isHeld = false;
    this.wasReleased = true;
    this.onChange(true);
    this.logger.error({ bytes: this.bytes }, 'recording spool disk is full: reserve released, new events are refused until it can be restored');
    void this.fs.unlink(this.path).catch((e: unknown) => this.logger.error({ err: e }, 'could not release the recording spool reserve'));
  }
}
