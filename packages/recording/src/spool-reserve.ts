/**
 * The spool's reserve ("ballast"): a file of zeros kept in the spool while the disk has room. When
 * any spool write fails with ENOSPC the reserve is deleted, which gives the recorder's own
 * bookkeeping room to finish — splitting the journal into segments, saving digest state — so the
 * uploader can free space once the store answers. While the reserve is released new events are
 * refused (spool_full); once it can be written again the recorder takes events again, without a
 * restart. Without it a disk that filled during a store outage could never free itself: freeing
 * segments needs a state save, which needs space.
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
    this.restoring ??= writeFileDurable(this.fs, this.path, this.dir, Buffer.alloc(this.bytes))
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

  /** Told of every failed spool write: on ENOSPC the reserve is given to the recorder's bookkeeping. */
  noteFailure(err: unknown): void {
    if ((err as NodeJS.ErrnoException | undefined)?.code !== 'ENOSPC' || !this.isHeld) return;
    this.isHeld = false;
    this.onChange(true);
    this.logger.error({ bytes: this.bytes }, 'recording spool disk is full: reserve released, new events are refused until it can be restored');
    void this.fs.unlink(this.path).catch((e: unknown) => this.logger.error({ err: e }, 'could not release the recording spool reserve'));
  }
}
