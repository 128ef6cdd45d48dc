/**
 * The file layer every write of the recording goes through (spool journal, segments, session state,
 * the directory store): one small interface, so a test implementation can fail or slow any
 * operation (see fault-fs.ts) while the recorder above it runs unchanged. The production
 * implementation is a direct pass-through to node:fs.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';

/** Operation kinds, as fault rules name them. */
export type SpoolFsOp = 'open' | 'write' | 'fsync' | 'read' | 'rename' | 'unlink' | 'mkdir' | 'readdir' | 'stat' | 'truncate' | 'rm' | 'close';

/** An open file. */
export interface SpoolFileHandle {
  /** Writes buffers at the end (append) or at the current position (new file); may write partially. */
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
  /** fdatasync: the data written so far is on stable storage. */
  datasync(): Promise<void>;
  /** fsync (data and metadata); on a directory handle, makes its entries durable. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** What the recording needs from a file system. */
export interface SpoolFs {
  /** `a`: append (created if absent); `w`: create/truncate; `r`: read only (also directories, to fsync them). */
  open(path: string, flags: 'a' | 'w' | 'r'): Promise<SpoolFileHandle>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Directory entries with their kind (the directory store walks folders). */
  readdirTyped(path: string): Promise<{ name: string; isDirectory: boolean }[]>;
  stat(path: string): Promise<{ size: number }>;
  truncate(path: string, length: number): Promise<void>;
  /** Removes a folder and everything under it (no error when absent). */
  rmTree(path: string): Promise<void>;
}

function wrapHandle(fh: FileHandle): SpoolFileHandle {
  return {
    writev: (buffers) => fh.writev(buffers),
    datasync: () => fh.datasync(),
    sync: () => fh.sync(),
    truncate: (length) => fh.truncate(length),
    close: () => fh.close(),
  };
}

/** The production file layer: node:fs, nothing added. */
export const nodeSpoolFs: SpoolFs = {
  open: async (path, flags) => wrapHandle(await open(path, flags)),
  readFile: (path) => readFile(path),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  readdir: (path) => readdir(path),
  readdirTyped: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, isDirectory: e.isDirectory() })),
  stat: async (path) => ({ size: (await stat(path)).size }),
  truncate: (path, length) => truncate(path, length),
  rmTree: (path) => rm(path, { recursive: true, force: true }),
};

/** Whether an error is a file's absence (ENOENT). */
export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
