/**
 * Serves result chunks like cloud storage (docs/protocol.md §6): unguessable capability URLs, SSE-C
 * headers required (403 with an S3 XML error otherwise), gzip bodies with `Content-Encoding: gzip`
 * and `Content-Type: binary/octet-stream`, plus the chunk faults (corrupt, withhold, throttle).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { FaultState } from '../faults.js';
import { sseHeaders, type QueryStore } from '../query/queries.js';
import { sendStorageError, writeThrottled } from './io.js';

/** What chunk serving needs. */
export interface ChunkDeps {
  store: QueryStore;
  faults: FaultState;
  closing: AbortSignal;
}

function sameSecret(a: string | string[] | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Answers GET /__chunks/<capability>/<index>. */
export async function serveChunk(deps: ChunkDeps, res: ServerResponse, req: IncomingMessage, capability: string, index: number): Promise<void> {
  req.resume();
  const result = deps.store.getByCapability(capability);
  const chunk = result?.chunks[index];
  if (!result || !chunk || req.method !== 'GET') {
    sendStorageError(res, 403, 'AccessDenied', 'Access Denied');
    return;
  }
  const expected = sseHeaders(result.sseKey);
  for (const [name, value] of Object.entries(expected)) {
    if (!sameSecret(req.headers[name], value)) {
      sendStorageError(res, 403, 'AccessDenied', 'The SSE-C key provided does not match the object (missing or wrong x-amz-server-side-encryption-customer-* headers).');
      return;
    }
  }
  if (deps.faults.takeWithheldChunk()) {
    sendStorageError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    return;
  }
  const body = deps.faults.takeCorruptChunk() ? corrupt(chunk.body) : chunk.body;
  res.writeHead(200, {
    'content-type': 'binary/octet-stream',
    'content-encoding': 'gzip',
    'content-length': body.length,
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  });
  const limit = deps.faults.throttle();
  if (limit) {
    deps.faults.countThrottled(body.length);
    await writeThrottled(res, body, limit, deps.closing);
    return;
  }
  res.end(body);
}

/**
 * Flips bytes inside the compressed data, as a damaged transfer would: the gzip check fails while
 * decompressing, which the driver sees as a transport error and retries. (A body that decompresses
 * to bad JSON instead makes snowflake-sdk 3.3.0 stall silently: it only logs the parse error.)
 */
export function corrupt(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const start = Math.min(10, copy.length - 1);
  for (let i = start; i < copy.length - 8; i += 7) copy[i] = copy[i]! ^ 0xff;
  return copy;
}
