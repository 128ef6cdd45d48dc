/** The per-session state file in the spool: what was already digested, so a restart continues the chains. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionSummary } from './format.js';

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
}

/** Writes a file atomically and durably (temp file, fsync, rename, fsync dir). */
export async function writeFileDurable(path: string, dir: string, body: string | Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true });
  // A random suffix: two writers of the same key (uploader retries, the dir store) never share a temp file.
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Path of a session's state file. */
export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

/** Persists a session's state. */
export async function saveState(dir: string, state: SessionState): Promise<void> {
  await writeFileDurable(statePath(dir), dir, JSON.stringify(state));
}

/** Loads a session's state, or undefined when absent/unreadable. */
export async function loadState(dir: string): Promise<SessionState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(dir), 'utf8')) as SessionState;
  } catch {
    return undefined;
  }
}
