import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirStore } from './dir-store.js';
import { hashStoredBlob, SMALL_BLOB_BYTES } from './verify-blobs.js';
import type { ObjectStore } from './store.js';

/** A store of one object that records how it was read and never hands out more than one stream piece of 64 KiB. */
function oneObject(body: Buffer): ObjectStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    description: 'memory',
    prefix: '',
    reads,
    put: () => Promise.resolve(),
    list: () => Promise.resolve([{ key: 'k', size: body.length }]),
    listFolders: () => Promise.resolve([]),
    get: (key) => (reads.push('get'), Promise.resolve(key === 'k' ? body : undefined)),
    getStream: (key) => {
      reads.push('stream');
      if (key !== 'k') return Promise.resolve(undefined);
      return Promise.resolve(
        (async function* pieces() {
          for (let o = 0; o < body.length; o += 65536) yield body.subarray(o, o + 65536);
        })(),
      );
    },
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('hashing stored blobs', () => {
  it('reads a blob the store lists as small in one request, and streams any other', async () => {
    const small = Buffer.alloc(1000, 7);
    const s1 = oneObject(small);
    expect(await hashStoredBlob(s1, 'k', small.length)).toEqual({ sha256: sha(small), bytes: 1000 });
    const big = Buffer.alloc(SMALL_BLOB_BYTES + 1, 9);
    const s2 = oneObject(big);
    expect(await hashStoredBlob(s2, 'k', big.length)).toEqual({ sha256: sha(big), bytes: big.length });
    // No listed size (the caller has no listing): streamed, whatever its size.
    const s3 = oneObject(small);
    expect(await hashStoredBlob(s3, 'k')).toEqual({ sha256: sha(small), bytes: 1000 });
    expect([s1.reads, s2.reads, s3.reads]).toEqual([['get'], ['stream'], ['stream']]);
    expect(await hashStoredBlob(s1, 'missing', 10)).toBeUndefined();
  });

  it('hashes a directory store\'s blob through one reused buffer, piece by piece, and says when it is absent', async () => {
    const root = await mkdtemp(join(tmpdir(), 'snowtrail-hash-'));
    try {
      const store = createDirStore(root);
      const body = Buffer.from(Array.from({ length: SMALL_BLOB_BYTES * 3 + 17 }, (_v, i) => (i * 31) % 251));
      await store.put('b', body, { contentType: 'application/octet-stream', sha256: sha(body) });
      const scratch = Buffer.alloc(4096);
      expect(await hashStoredBlob(store, 'b', body.length, scratch)).toEqual({ sha256: sha(body), bytes: body.length });
      expect(await hashStoredBlob(store, 'b')).toEqual({ sha256: sha(body), bytes: body.length });
      expect(await hashStoredBlob(store, 'gone', body.length, scratch)).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
