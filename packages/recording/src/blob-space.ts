/**
 * The spool space of one session's v2 blob files. Payload bytes are reserved against the spool's
 * cap as they stream in (SpoolBlobWriter); once a payload is durable its file is counted under its
 * content name, once however many identical payloads were written; the space is given back when the
 * file goes: its event was never made durable (no hold left: an orphan), the store acknowledged a
 * digest covering it, or the session's folder was removed.
 *
 * Operations on one content name run one after another, so a file being placed is never deleted
 * by an earlier decision to drop an orphan of the same content.
 */
import { join } from 'node:path';
import { isNotFound, type SpoolFs } from './spool-fs.js';
import { syncDir } from './spool-state.js';

/** Where the space is counted: the recorder's spool total. */
export interface SpoolSpaceAccount {
  /** Takes `bytes` of the spool's cap; false when they do not fit. */
  reserve(bytes: number): boolean;
  /** Gives `bytes` back. */
  release(bytes: number): void;
}

/** The blob files of one session's spool folder and the space they hold. */
export class SpoolBlobSpace {
  /** Counted bytes of each blob file in the folder, by content name. */
  private readonly files = new Map<string, number>();
  /** How many `result` events (pending or durable) refer to each content name. */
  private readonly holds = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The folder exists (created once, not once a payload); cleared when creating it failed. */
  private made: Promise<void> | undefined;
  /** The folder fsync running now, and the one queued behind it (shared by every rename made meanwhile). */
  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;

  constructor(
    private readonly fs: SpoolFs,
    private readonly dir: string,
    private readonly account: SpoolSpaceAccount,
  ) {}

  /** Bytes of blob files counted now. */
  get bytes(): number {
    let n = 0;
    for (const b of this.files.values()) n += b;
    return n;
  }

  /**
   * Creates the folder if needed: once for the session, not once a payload. A failed attempt is
   * forgotten, so the next payload tries again; `isStale` (a file could not be created in it) makes
   * the next call create it again.
   */
  ensureDir(isStale = false): Promise<void> {
    if (isStale) this.made = undefined;
    if (!this.made) {
      const made = this.fs.mkdir(this.dir);
      this.made = made;
      made.catch(() => {
        if (this.made === made) this.made = undefined;
      });
    }
    return this.made;
  }

  /**
   * Makes every rename done in the folder before the call durable (the folder's fsync). Group
   * commit: a call made while a folder fsync runs waits for the next one, which starts once the
   * running one is over and is shared by every call made meanwhile — the running one may have
   * started before the caller's rename, so it cannot count for it.
   */
  syncFolder(): Promise<void> {
    if (!this.syncing) return this.startFolderSync();
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.startFolderSync();
      });
    return this.nextSync;
  }

  private startFolderSync(): Promise<void> {
    const sync = syncDir(this.fs, this.dir);
    this.syncing = sync;
    void sync
      .catch(() => undefined)
      .then(() => {
        if (this.syncing === sync) this.syncing = undefined;
      });
    return sync;
  }

  /** Reserves room for payload bytes about to be written. */
  reserve(bytes: number): boolean {
    return this.account.reserve(bytes);
  }

  /** Gives back room reserved for bytes that were not kept. */
  release(bytes: number): void {
    if (bytes > 0) this.account.release(bytes);
  }

  /**
   * Counts a file found in the folder at start (its bytes are already in the recovered total). It
   * is held: a durable event may refer to it, so only a digest covering it (free) deletes it.
   */
  adopt(sha256: string, bytes: number): void {
    this.files.set(sha256, bytes);
    if (!this.holds.has(sha256)) this.holds.set(sha256, 1);
  }

  /** True when a durable file of the content is in the folder (named, synced and counted). */
  hasFile(sha256: string): boolean {
    return this.files.has(sha256);
  }

  /** One more event refers to content carried in the journal (its file is written by the journal's split). */
  hold(sha256: string): void {
    this.holds.set(sha256, (this.holds.get(sha256) ?? 0) + 1);
  }

  /**
   * Names a written temp file by its content and makes it durable: the rename first, then the
   * file's data (`syncData`) and the folder's new entry in parallel — two syncs at once instead of
   * one after the other. The file is then counted (its reservation kept) and held once. When a
   * durable copy of the content is here already, that copy is kept (an unsynced copy is never
   * renamed over it) and the reservation given back. On failure nothing is left under the content
   * name, nothing is held, and no space stays taken.
   */
  place(tmpPath: string, sha256: string, reserved: number, syncData: () => Promise<void>): Promise<void> {
    return this.serially(sha256, async () => {
      if (this.files.has(sha256)) {
        await this.fs.unlink(tmpPath).catch(() => undefined);
        this.release(reserved);
        this.hold(sha256);
        return;
      }
      const target = join(this.dir, sha256);
      try {
        await this.fs.rename(tmpPath, target);
      } catch (err) {
        await this.fs.unlink(tmpPath).catch(() => undefined);
        this.release(reserved);
        throw err;
      }
      try {
        await Promise.all([syncData(), this.syncFolder()]);
      } catch (err) {
        // Not durable: gone, so neither a later payload nor recovery takes it for a good copy.
        await this.fs.unlink(target).catch(() => undefined);
        this.release(reserved);
        throw err;
      }
      this.files.set(sha256, reserved);
      this.hold(sha256);
    });
  }

  /**
   * The journal's split writes a carried payload's file (`write`, durable) unless the content is
   * here already; counts it with the room the payload already took. False when that content was
   * counted already (the caller gives the room back).
   */
  placeCarried(sha256: string, bytes: number, write: () => Promise<void>): Promise<boolean> {
    return this.serially(sha256, async () => {
      if (this.files.has(sha256)) return false;
      await write();
      this.files.set(sha256, bytes);
      return true;
    });
  }

  /** One event that referred to the content was not made durable; with no hold left the file is deleted. */
  unhold(sha256: string): Promise<void> {
    return this.serially(sha256, async () => {
      const left = (this.holds.get(sha256) ?? 1) - 1;
      if (left > 0) return void this.holds.set(sha256, left);
      this.holds.delete(sha256);
      await this.remove(sha256);
    });
  }

  /** The store holds the content (a digest covers it): the spool file is deleted and its space given back. */
  free(sha256: string): Promise<void> {
    return this.serially(sha256, () => this.remove(sha256));
  }

  /** The session's folder was removed: every file's space is given back. */
  clear(): void {
    this.release(this.bytes);
    this.files.clear();
  }

  /** Deletes the file; its space is given back once it is gone (a file that cannot be deleted stays counted). */
  private async remove(sha256: string): Promise<void> {
    try {
      await this.fs.unlink(join(this.dir, sha256));
    } catch (err) {
      if (!isNotFound(err)) return;
    }
    const bytes = this.files.get(sha256);
    this.files.delete(sha256);
    if (bytes !== undefined) this.release(bytes);
  }

  private serially<T>(sha256: string, op: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(sha256) ?? Promise.resolve()).then(op, op);
    const tail = run.catch(() => undefined);
    this.queues.set(sha256, tail);
    void tail.then(() => {
      if (this.queues.get(sha256) === tail) this.queues.delete(sha256);
    });
    return run;
  }
}
