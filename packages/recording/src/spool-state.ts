/** The per-session state file in the spool: what was already digested, so a restart continues the chains. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FormatVersion, SessionSummary } from './format.js';
import { isNotFound, type SpoolFs } from './spool-fs.js';

/** Persisted state of one session in the spool. */
export interface SessionState {
  version: 1;
  sessionId: string;
  summary: SessionSummary;
  /** Number of the last digest written (0: none). */
  digestNo: number;
  lastDigest: { no: number; key: string; sha256: string } | null;
  /** Segments up to this number are digested (and deleted from the spool). */
  digestedThrough: number;
  totalSegments: number;
  chainHead: { seq: number; hash: string };
  /** Recording format of the session's events (absent: 1); a recovered session continues in it. */
  formatVersion?: FormatVersion;
}

/** Makes a folder's entries (a create or rename in it) durable. */
export async function syncDir(fs: SpoolFs, dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close().catch(() => undefined);
  }
}

/**
 * Writes a file atomically and durably (temp file, fsync, rename, fsync dir). This is the one
 * durable point of a whole-file write: when it resolves the file is on stable storage under its
 * name; when it rejects, the name holds the previous content (or nothing) and no temp file is left.
 */
export async function writeFileDurable(fs: SpoolFs, path: string, dir: string, body: string | Uint8Array): Promise<void> {
  await fs.mkdir(dir);
  // A random suffix: two writers of the same key (uploader retries, the dir store) never share a temp file.
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      let written = 0;
      while (written < bytes.length) written += (await fh.writev([bytes.subarray(written)])).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close().catch(() => undefined);
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(fs, dir);
}

/** Path of a session's state file. */
export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

/** Persists a session's state. */
export async function saveState(fs: SpoolFs, dir: string, state: SessionState): Promise<void> {
  await writeFileDurable(fs, statePath(dir), dir, JSON.stringify(state));
}

/**
 * Loads a session's state, or undefined when there is none (the session's first event was never
 * acknowledged). Any other failure throws: the folder may hold acknowledged events.
 */
export async function loadState(fs: SpoolFs, dir: string): Promise<SessionState | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(statePath(dir));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return JSON.parse(bytes.toString('utf8')) as SessionState;
}
