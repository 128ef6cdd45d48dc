/**
 * The directory store for local runs: the same keys as files under a root. Each object is written
 * to a temporary file, fsync'd, renamed into place and its directory fsync'd, so a crash never
 * leaves a half-written object under its final name.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectStore, PutOptions } from './store.js';
import { sha256Hex } from './chain.js';
import { writeFileDurable } from './spool-state.js';
import { isNotFound, nodeSpoolFs, type SpoolFs } from './spool-fs.js';
import { RECORDING_ERRORS, RecordingError } from './errors.js';

/** Creates a directory store rooted at `root`, writing through `fs` (node:fs unless a test injects faults). */
export function createDirStore(root: string, prefix = '', fs: SpoolFs = nodeSpoolFs): ObjectStore {
  const pathOf = (key: string): string => {
    if (key.split('/').some((p) => p === '..')) throw new RecordingError(RECORDING_ERRORS.store, `invalid key ${key}`);
    return join(root, ...key.split('/'));
  };
  return {
    description: `dir:${root}`,
    prefix,
    async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
      if (sha256Hex(body) !== options.sha256) throw new RecordingError(RECORDING_ERRORS.store, `checksum mismatch writing ${key}`);
      const target = pathOf(key);
      await writeFileDurable(fs, target, dirname(target), body);
    },
    async get(key: string): Promise<Buffer | undefined> {
      try {
        return await fs.readFile(pathOf(key));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
      try {
        await fs.stat(pathOf(key));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      // 64 KiB reads: every read allocates its buffer, and a reader that drops them at once (hashing)
      // would otherwise leave megabytes of dead buffers to the garbage collector at each step.
      return createReadStream(pathOf(key), { highWaterMark: 64 * 1024 });
    },
    async readPieces(key: string, scratch: Buffer, onPiece: (piece: Buffer) => void): Promise<boolean> {
      let file;
      try {
        file = await open(pathOf(key), 'r');
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      try {
        for (;;) {
          const { bytesRead } = await file.read(scratch, 0, scratch.length, null);
          if (bytesRead === 0) return true;
          onPiece(scratch.subarray(0, bytesRead));
        }
      } finally {
        await file.close();
      }
    },
    async list(prefix: string): Promise<{ key: string; size: number }[]> {
      const out: { key: string; size: number }[] = [];
      // Walk from the deepest existing folder of the prefix.
      const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
      const start = base === '' ? root : pathOf(base.slice(0, -1));
      const walk = async (dir: string): Promise<void> => {
        let entries;
        try {
          entries = await fs.readdirTyped(dir);
        } catch (err) {
          if (isNotFound(err)) return;
          throw err;
        }
        for (const e of entries) {
          const full = join(dir, e.name);
          if (e.isDirectory) await walk(full);
          else if (!e.name.includes('.tmp-')) {
            const key = relative(root, full).split(sep).join('/');
            if (key.startsWith(prefix)) out.push({ key, size: (await fs.stat(full)).size });
          }
        }
      };
      await walk(start);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async listFolders(prefix: string): Promise<string[]> {
      try {
        const entries = await fs.readdirTyped(prefix === '' ? root : pathOf(prefix.replace(/\/$/, '')));
        return entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    },
  };
}
