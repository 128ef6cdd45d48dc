/**
 * Multipart upload of a large object (v2 result blobs): parts of `partBytes`, each with its own
 * Content-MD5, so the store rejects any part altered in transit; an upload that fails is aborted
 * (no orphan parts left billed), and the whole PUT is retried by the caller like any other.
 */
import { createHash } from 'node:crypto';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type ObjectLockMode, type S3Client } from '@aws-sdk/client-s3';

/** Objects larger than this are uploaded in parts (S3 allows parts of 5 MiB and more). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** Size of each part but the last. */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;

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
}

/** Uploads `body` in parts; throws (after aborting the upload) on any failure. */
export async function putMultipart(input: MultipartInput): Promise<void> {
  const { client, bucket, key, body } = input;
  const partBytes = input.partBytes ?? MULTIPART_PART_BYTES;
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: input.contentType, Metadata: { sha256: input.sha256 }, ...input.lock }));
  const uploadId = created.UploadId!;
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let off = 0, n = 1; off < body.length; off += partBytes, n++) {
      const part = body.subarray(off, off + partBytes);
      const out = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: part, ContentLength: part.length, ContentMD5: createHash('md5').update(part).digest('base64') }),
      );
      parts.push({ PartNumber: n, ETag: out.ETag! });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
