/**
 * `verify` of format v2's blobs: every blob a `result` event references must be listed by a signed
 * digest with the same SHA-256 and length (the digest covers it), and the stored object must hash
 * to it. Blobs are hashed streaming (never held whole) and several at once, with a bounded number
 * in flight, so memory stays bounded whatever the result size.
 */
import { createHash } from 'node:crypto';
import type { DigestBlob } from './digest.js';
import type { BlobRef } from './format.js';
import { blobKey } from './layout.js';
import { readObjectStream, type ObjectStore } from './store.js';

/** A blob reference found in a `result` event. */
export interface BlobReference {
  partId: string;
  seq: number;
  ref: BlobRef;
}

/** A blob problem (kinds are the verifier's). */
export interface BlobProblem {
  kind: 'blob_missing' | 'blob_altered' | 'blob_unlisted';
  message: string;
}

/** Blobs hashed at once. */
const BLOBS_IN_FLIGHT = 4;

/**
 * Blobs the store lists at or below this size are read in one request instead of streamed: a
 * stream allocates a read buffer of its full high-water mark however small the object, and a
 * session of many small inline answers then spends its time allocating and collecting them.
 */
export const SMALL_BLOB_BYTES = 256 * 1024;

/** References whose blob no digest lists, or lists with another length (pure). */
export function unlistedReferences(refs: BlobReference[], listed: Map<string, DigestBlob>): BlobProblem[] {
  const out: BlobProblem[] = [];
  for (const r of refs) {
    const l = listed.get(r.ref.sha256);
    if (!l || l.bytes !== r.ref.bytes) {
      out.push({ kind: 'blob_unlisted', message: `result part ${r.partId} (event seq ${r.seq}): references blob ${r.ref.sha256.slice(0, 16)}… (${r.ref.bytes} bytes), which no digest lists${l ? ' with that length' : ''}` });
    }
  }
  return out;
}

/** Bytes read at a time by each blob hash in flight when the store reads into a buffer of ours. */
export const HASH_PIECE_BYTES = 256 * 1024;

/**
 * Hashes one stored blob; undefined when the object is absent. Streamed unless the store listed it
 * as small (`listedSize`), so memory stays bounded whatever size a tampered object has. Where the
 * store reads into a buffer of ours, `scratch` is reused for every piece (nothing left to collect).
 */
export async function hashStoredBlob(store: ObjectStore, key: string, listedSize?: number, scratch?: Buffer): Promise<{ sha256: string; bytes: number } | undefined> {
  if (listedSize !== undefined && listedSize <= SMALL_BLOB_BYTES) {
    const body = await store.get(key);
    return body ? { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length } : undefined;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  if (store.readPieces) {
    const found = await store.readPieces(key, scratch ?? Buffer.allocUnsafe(HASH_PIECE_BYTES), (piece) => {
      hash.update(piece);
      bytes += piece.length;
    });
    return found ? { sha256: hash.digest('hex'), bytes } : undefined;
  }
  const stream = await readObjectStream(store, key);
  if (!stream) return undefined;
  for await (const piece of stream) {
    hash.update(piece);
    bytes += piece.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Checks one listed blob against its stored object. */
async function checkOne(store: ObjectStore, sessionId: string, blob: DigestBlob, sizes: ReadonlyMap<string, number>, scratch: Buffer): Promise<BlobProblem | undefined> {
  const name = `blob ${blob.sha256.slice(0, 16)}…`;
  // Content-addressed: the key is derived from the hash, never taken from the digest as is.
  const key = blobKey(store.prefix, sessionId, blob.sha256);
  const got = await hashStoredBlob(store, key, sizes.get(key), scratch);
  if (!got) return { kind: 'blob_missing', message: `${name}: listed in a digest but missing from the store (blob removed)` };
  if (got.sha256 !== blob.sha256 || got.bytes !== blob.bytes) return { kind: 'blob_altered', message: `${name}: stored bytes (${got.bytes}) do not hash to its name and digest entry (content altered)` };
  return undefined;
}

/** Verifies every referenced blob: listed by a digest, present, and intact. `sizes`: object sizes from the store's listing, by key. */
export async function checkBlobs(store: ObjectStore, sessionId: string, refs: BlobReference[], listed: Map<string, DigestBlob>, sizes: ReadonlyMap<string, number> = new Map()): Promise<BlobProblem[]> {
  const problems = unlistedReferences(refs, listed);
  const wanted = [...new Map(refs.filter((r) => listed.has(r.ref.sha256)).map((r) => [r.ref.sha256, listed.get(r.ref.sha256)!])).values()];
  const found: (BlobProblem | undefined)[] = new Array<BlobProblem | undefined>(wanted.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    // One buffer a worker, reused for every blob it hashes.
    const scratch = Buffer.allocUnsafe(HASH_PIECE_BYTES);
    for (let i = next++; i < wanted.length; i = next++) found[i] = await checkOne(store, sessionId, wanted[i]!, sizes, scratch);
  };
  await Promise.all(Array.from({ length: Math.min(BLOBS_IN_FLIGHT, wanted.length) }, worker));
  for (const p of found) if (p) problems.push(p);
  return problems;
}
