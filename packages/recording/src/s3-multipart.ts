/**
 * Multipart upload of a large object (v2 result blobs): parts of `partBytes`, several in flight at
 * once, each with its own Content-MD5 so the store rejects any part altered in transit (radosgw
 * checks Content-MD5 but ignores the x-amz-checksum-* headers; benchmarks/s3-probe.ts shows it).
 * On any failure no further part starts, the parts in flight are waited for, and only then is the
 * upload aborted (an abort racing a part can leave that part stored and billed); the caller
 * retries the whole PUT like any other.
 *
 * Object Lock: radosgw 16 accepts the lock headers on CreateMultipartUpload and then stores the
 * object with no retention at all, so with a lock configured the retention is also set on the
 * completed version (PutObjectRetention, same mode and date: a no-op where the store applied it)
 * before the upload counts as acknowledged.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type ObjectLockMode,
  type S3Client,
} from '@aws-sdk/client-s3';
import { runBounded } from './bounded.js';

/** Objects larger than this are uploaded in parts (S3 allows parts of 5 MiB and more). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** Size of each part but the last. */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
/**
 * Parts of one upload in flight at once: one request at a time leaves the store idle between a
 * part's last byte and its answer; past four, a radosgw on two cores took no more.
 */
export const MULTIPART_PARTS_IN_FLIGHT = 4;

/** What one multipart upload needs. */
export interface MultipartInput {
  client: S3Client;
  bucket: string;
  key: string;
  body: Uint8Array;
  contentType: string;
  sha256: string;
  lock: { ObjectLockMode?: ObjectLockMode; ObjectLockRetainUntilDate?: Date };
  partBytes?: number;
  partsInFlight?: number;
}

/** The byte ranges of the parts of an object of `bytes` (pure): [start, end) each, numbered from 1. */
export function partRanges(bytes: number, partBytes: number): { partNumber: number; start: number; end: number }[] {
  const ranges: { partNumber: number; start: number; end: number }[] = [];
  for (let start = 0, n = 1; start < bytes; start += partBytes, n++) ranges.push({ partNumber: n, start, end: Math.min(bytes, start + partBytes) });
  return ranges;
}

/** Uploads `body` in parts; throws (after aborting the upload) on any failure. */
export async function putMultipart(input: MultipartInput): Promise<void> {
  const { client, bucket, key, body } = input;
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: input.contentType, Metadata: { sha256: input.sha256 }, ...input.lock }));
  const uploadId = created.UploadId!;
  let completed: { VersionId?: string };
  try {
    const uploads = partRanges(body.length, input.partBytes ?? MULTIPART_PART_BYTES).map(({ partNumber, start, end }) => async () => {
      const part = body.subarray(start, end);
      const out = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: part, ContentLength: part.length, ContentMD5: createHash('md5').update(part).digest('base64') }),
      );
      return { PartNumber: partNumber, ETag: out.ETag! };
    });
    const parts = await runBounded(uploads, input.partsInFlight ?? MULTIPART_PARTS_IN_FLIGHT);
    completed = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
  const { ObjectLockMode: mode, ObjectLockRetainUntilDate: retainUntil } = input.lock;
  if (mode && retainUntil) {
    await client.send(
      new PutObjectRetentionCommand({ Bucket: bucket, Key: key, ...(completed.VersionId ? { VersionId: completed.VersionId } : {}), Retention: { Mode: mode, RetainUntilDate: retainUntil } }),
    );
  }
}
