/** Opens a store from the `--store` notation of `snowtrail sessions`: `s3://bucket/prefix` or `dir:/path`. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createDirStore } from './dir-store.js';
import { RECORDING_ERRORS, RecordingError } from './errors.js';
import { normalizePrefix } from './layout.js';
import { buildS3Client, createS3Store } from './s3-store.js';
import type { ObjectStore } from './store.js';

/** Options for a store opened by a reader. */
export interface OpenStoreOptions {
  endpoint?: string;
  region?: string;
  /** Path-style addressing; defaults to true when an endpoint is given. */
  forcePathStyle?: boolean;
  s3Client?: S3Client;
}

/** Parses `--store` and returns the store; throws SNOWTRAIL_ERR_RECORDING_STORE on a bad notation or missing folder. */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  if (spec.startsWith('dir:')) {
    const path = resolve(spec.slice(4));
    const s = await stat(path).catch(() => undefined);
    if (!s?.isDirectory()) throw new RecordingError(RECORDING_ERRORS.store, `store ${spec}: no such directory`);
    return createDirStore(path);
  }
  const m = /^s3:\/\/([^/?]+)\/?([^?]*)(?:\?(.*))?$/.exec(spec);
  if (!m) throw new RecordingError(RECORDING_ERRORS.store, `store ${spec}: expected s3://bucket/prefix or dir:/path`);
  // Query parameters (?endpoint=…&forcePathStyle=true&region=…) let one string carry the whole store.
  const q = new URLSearchParams(m[3] ?? '');
  options = {
    ...options,
    ...(options.endpoint === undefined && q.get('endpoint') ? { endpoint: q.get('endpoint')! } : {}),
    ...(options.region === undefined && q.get('region') ? { region: q.get('region')! } : {}),
    ...(options.forcePathStyle === undefined && q.get('forcePathStyle') ? { forcePathStyle: q.get('forcePathStyle') === 'true' } : {}),
  };
  const client =
    options.s3Client ??
    buildS3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    });
  return createS3Store({ client, bucket: m[1]!, prefix: normalizePrefix(m[2]) });
}
