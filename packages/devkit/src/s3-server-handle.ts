/** The shape shared by the local S3-compatible servers (s3rver, radosgw). */
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';

/** A running local S3-compatible server. */
export interface S3ServerHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client with the options every S3-compatible server needs (path style, no aws-chunked bodies). */
  client(): S3Client;
  createBucket(name: string, options?: { objectLock?: boolean }): Promise<void>;
  /** Stops the server process (data kept); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the scratch data. */
  close(): Promise<void>;
}

/** Builds an S3 client for a local server (see TOOLCHAIN.md: these options are required). */
export function localS3Client(endpoint: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 2,
  });
}

/** Creates a bucket, optionally with Object Lock (which also turns on versioning). */
export async function createLocalBucket(client: S3Client, name: string, objectLock = false): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: name, ...(objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
  if (objectLock) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } })).catch(() => undefined);
}

/** The parts of a handle that depend only on the endpoint and credentials, shared by every local server. */
export function s3ServerBasics(
  endpoint: string,
  port: number,
  accessKeyId: string,
  secretAccessKey: string,
): Pick<S3ServerHandle, 'endpoint' | 'port' | 'accessKeyId' | 'secretAccessKey' | 'client' | 'createBucket'> {
  return {
    endpoint,
    port,
    accessKeyId,
    secretAccessKey,
    client: () => localS3Client(endpoint, accessKeyId, secretAccessKey),
    async createBucket(name, bucketOptions) {
      const c = localS3Client(endpoint, accessKeyId, secretAccessKey);
      try {
        await createLocalBucket(c, name, bucketOptions?.objectLock ?? false);
      } finally {
        c.destroy();
      }
    },
  };
}
