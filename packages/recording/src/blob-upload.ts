/**
 * Format v2: the blobs a segment's `result` events reference, and their upload. A blob is uploaded
 * (retried like segments, several at once) before the digest that lists it, once per session and process; it is
 * content-addressed, so uploading it again after a restart writes the same bytes under the same key.
 */
import { runBounded } from './bounded.js';
import { splitLines } from './chain.js';
import { spoolBlobPath } from './blob-spool.js';
import type { DigestBlob } from './digest.js';
import { parseEvent } from './event-schema.js';
import type { BlobRef } from './format.js';
import { blobKey, relativeBlobKey } from './layout.js';
import type { SessionWriter } from './session-writer.js';
import { isNotFound } from './spool-fs.js';
import { putWithRetry, type UploaderDeps } from './uploader.js';

/** The distinct blob references of a segment's events (pure; invalid lines are skipped). */
export function blobRefsOfSegment(raw: Buffer): BlobRef[] {
  const refs = new Map<string, BlobRef>();
  for (const line of splitLines(raw).lines) {
    const parsed = parseEvent(line);
    if (!parsed.ok || parsed.event.type !== 'result') continue;
    const blob = (parsed.event.data as { blob?: BlobRef }).blob;
    if (blob) refs.set(blob.sha256, { sha256: blob.sha256, bytes: blob.bytes });
  }
  return [...refs.values()];
}

/** The digest entries of blobs (pure): distinct, keys relative to the session. */
export function digestBlobs(refs: BlobRef[]): DigestBlob[] {
  const seen = new Map<string, DigestBlob>();
  for (const r of refs) seen.set(r.sha256, { key: relativeBlobKey(r.sha256), sha256: r.sha256, bytes: r.bytes });
  return [...seen.values()];
}

/** Blobs of one session uploaded at once (default of UploaderDeps.blobsInFlight). */
export const BLOBS_IN_FLIGHT = 4;

/** Thrown inside a round to stop the other blobs' tasks when the uploader is stopped. */
const STOPPED = Symbol('stopped');

/**
 * Uploads the blobs not yet acknowledged in this process, `blobsInFlight` at once, each body read
 * from the spool only once it fits the shared byte budget; false if stopped early. A blob whose
 * spool file is gone was uploaded before (an identical payload of this session, or before a
 * restart): the store must already hold it, else the uploader stops for this round and retries.
 * Resolves only after every blob started has settled, acknowledged or not: the digest that lists
 * them is put by the caller after that.
 *
 * A blob's spool file is deleted as soon as the store acknowledged it, before the digest: nothing
 * needs it any more (a retry or a restart finds it in the store), and deleting it needs no write.
 * On a disk full to the last byte that is what makes room for the state save that must come
 * before digested segments can be deleted.
 */
export async function uploadBlobs(deps: UploaderDeps, writer: SessionWriter, refs: BlobRef[], stopWhen: () => boolean): Promise<boolean> {
  const uploadOne = async (ref: BlobRef): Promise<void> => {
    const release = await deps.bodyBudget.acquire(ref.bytes);
    try {
      if (!(await uploadBlob(deps, writer, ref, stopWhen))) throw STOPPED;
    } finally {
      release();
    }
  };
  const pending = refs.filter((r) => !writer.uploadedBlobs.has(r.sha256));
  try {
    await runBounded(
      pending.map((ref) => () => uploadOne(ref)),
      deps.blobsInFlight ?? BLOBS_IN_FLIGHT,
    );
    return true;
  } catch (err) {
    if (err === STOPPED) return false;
    throw err;
  }
}

/** Uploads one blob from its spool file (or finds it already in the store); false if stopped. */
async function uploadBlob(deps: UploaderDeps, writer: SessionWriter, ref: BlobRef, stopWhen: () => boolean): Promise<boolean> {
  const key = blobKey(deps.store.prefix, writer.sessionId, ref.sha256);
  let body: Buffer;
  try {
    body = await deps.fs.readFile(spoolBlobPath(writer.dir, ref.sha256));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (!(await deps.store.get(key))) throw new Error(`blob ${ref.sha256} of session ${writer.sessionId} is neither in the spool nor in the store`, { cause: err });
    writer.uploadedBlobs.add(ref.sha256);
    return true;
  }
  if (!(await putWithRetry(deps, key, body, { contentType: 'application/octet-stream', sha256: ref.sha256 }, stopWhen))) return false;
  writer.uploadedBlobs.add(ref.sha256);
  await writer.blobSpace.free(ref.sha256);
  return true;
}

/**
 * Deletes the spool files of blobs a digest now covers that are still there (a later identical
 * payload, or one that could not be deleted at upload); their space is given back.
 */
export async function freeBlobs(writer: SessionWriter, refs: BlobRef[]): Promise<void> {
  // A file not deletable now stays counted; the session folder goes with its final digest.
  for (const ref of refs) await writer.blobSpace.free(ref.sha256);
}
