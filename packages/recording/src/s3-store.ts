/**
 * The S3-compatible store (@aws-sdk/client-s3). Every PUT carries a Content-MD5 we compute (the
 * store rejects a body that changed on the way) and the body's SHA-256 as metadata; with Object Lock
 * configured every object gets the lock mode and a retain-until date.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectLockMode,
} from '@aws-sdk/client-s3';
import type { ObjectRetention, ObjectStore, PutOptions } from './store.js';
import { MULTIPART_THRESHOLD_BYTES, putMultipart } from './s3-multipart.js';
import { RECORDING_ERRORS, RecordingError } from './errors.js';

/** Options of the S3 store. */
export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  prefix: string;
  objectLock?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainDays: number };
  now?: () => number;
  /** Bodies larger than this go up in parts (default MULTIPART_THRESHOLD_BYTES). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default MULTIPART_PART_BYTES; S3's minimum is 5 MiB). */
  multipartPartBytes?: number;
  /** Parts of one multipart upload in flight at once (default MULTIPART_PARTS_IN_FLIGHT). */
  multipartPartsInFlight?: number;
}

/** Client options every S3-compatible server needs (see TOOLCHAIN.md): no aws-chunked framing. */
export function buildS3Client(options: {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  accessKeyIdFile?: string;
  secretAccessKeyFile?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): S3Client {
  let credentials = options.credentials;
  if (!credentials && options.accessKeyIdFile && options.secretAccessKeyFile) {
    credentials = {
      accessKeyId: readFileSync(options.accessKeyIdFile, 'utf8').trim(),
      secretAccessKey: readFileSync(options.secretAccessKeyFile, 'utf8').trim(),
    };
  }
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    ...(credentials ? { credentials } : {}),
  });
}

/** Maps an SDK error to a RecordingError with a code a user can act on. */
export function classifyS3Error(err: unknown, what: string): RecordingError {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; code?: string; message?: string };
  const name = e.name ?? e.Code ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'CredentialsProviderError', 'ExpiredToken'].includes(name) || status === 403) {
    return new RecordingError(RECORDING_ERRORS.storeAuth, `${what}: access denied by the store (${name}); check the credentials`, { cause: err });
  }
  if (name === 'NoSuchBucket') return new RecordingError(RECORDING_ERRORS.store, `${what}: the bucket does not exist`, { cause: err });
  return new RecordingError(RECORDING_ERRORS.store, `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`.trim(), { cause: err });
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** Creates the S3 store. */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { client, bucket } = options;
  const now = options.now ?? Date.now;
  const listAll = async (prefix: string, delimiter?: string): Promise<{ keys: { key: string; size: number }[]; folders: string[] }> => {
    const keys: { key: string; size: number }[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}), ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (err) {
        throw classifyS3Error(err, `listing s3://${bucket}/${prefix}`);
      }
      for (const o of out.Contents ?? []) if (o.Key) keys.push({ key: o.Key, size: o.Size ?? 0 });
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return { keys, folders };
  };
  return {
    description: `s3://${bucket}/${options.prefix}`,
    prefix: options.prefix,
    async put(key: string, body: Uint8Array, put: PutOptions): Promise<void> {
      const lock = options.objectLock
        ? { ObjectLockMode: options.objectLock.mode as ObjectLockMode, ObjectLockRetainUntilDate: new Date(now() + options.objectLock.retainDays * 86_400_000) }
        : {};
      if (body.length > (options.multipartThresholdBytes ?? MULTIPART_THRESHOLD_BYTES)) {
        try {
          await putMultipart({ client, bucket, key, body, contentType: put.contentType, sha256: put.sha256, lock, ...(options.multipartPartBytes ? { partBytes: options.multipartPartBytes } : {}), ...(options.multipartPartsInFlight ? { partsInFlight: options.multipartPartsInFlight } : {}) });
          return;
        } catch (err) {
          throw classifyS3Error(err, `uploading ${key} in parts`);
        }
      }
      const md5 = createHash('md5').update(body).digest('base64');
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: put.contentType,
            ContentLength: body.length,
            ContentMD5: md5,
            Metadata: { sha256: put.sha256 },
            ...lock,
          }),
        );
      } catch (err) {
        throw classifyS3Error(err, `uploading ${key}`);
      }
    },
    async get(key: string): Promise<Buffer | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw classifyS3Error(err, `reading ${key}`);
      }
    },
    async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body as unknown as AsyncIterable<Uint8Array>;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw classifyS3Error(err, `reading ${key}`);
      }
    },
    async list(prefix: string) {
      return (await listAll(prefix)).keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async listFolders(prefix: string) {
      // Delimiter listing first (cheap on real S3). s3rver answers a delimiter listing of folders
      // that hold only sub-folders with no CommonPrefixes at all — and our day and session folders
      // are exactly that — so an empty answer falls back to deriving folders from a flat listing.
      const viaDelimiter = (await listAll(prefix, '/')).folders;
      if (viaDelimiter.length > 0) return viaDelimiter.sort();
      const folders = new Set<string>();
      for (const { key } of (await listAll(prefix)).keys) {
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash > 0) folders.add(rest.slice(0, slash));
      }
      return [...folders].sort();
    },
    async retention(key: string): Promise<ObjectRetention | undefined> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        let mode = head.ObjectLockMode as string | undefined;
        let retainUntil = head.ObjectLockRetainUntilDate;
        if (mode === undefined) {
          const r = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
          mode = r?.Retention?.Mode;
          retainUntil = r?.Retention?.RetainUntilDate;
        }
        return { ...(mode ? { mode } : {}), ...(retainUntil ? { retainUntil } : {}), ...(head.VersionId ? { versionId: head.VersionId } : {}) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw classifyS3Error(err, `reading retention of ${key}`);
      }
    },
  };
}
