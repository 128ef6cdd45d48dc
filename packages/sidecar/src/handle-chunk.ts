import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGzip } from '@snowtrail/protocol';
import type { ResultWriter } from '@snowtrail/recording';
import type { ChunkCapability } from './chunk-registry.js';
import { sendStorageError } from './http-io.js';
import { limitMessage } from './deliver-answer.js';
import type { ProxyContext } from './proxy-context.js';

/** Recorder writes allowed in flight (about 2 MiB of 64 KiB pieces) before the origin read pauses: the recorder's backpressure. */
const MAX_PENDING_RECORD_WRITES = 32;

/**
 * `GET /__snowtrail/chunks/<capability>`: fetches the original chunk with its stored SSE-C headers
 * (the client's headers are not trusted) and streams it to the client with backpressure, never
 * holding a whole chunk, teeing every byte to the recording. In required mode the last piece is
 * held back until the recording of the chunk is durable. A byte-limit breach answers HTTP 400 with
 * an S3-style XML error: snowflake-sdk fails the statement at once (402002) instead of retrying.
 */
export async function handleChunk(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, capId: string): Promise<number> {
  const cap = ctx.chunks.get(capId, ctx.now());
  if (!cap) {
    // 403 is what an expired presigned URL gets: the driver retries, then re-fetches the result for fresh URLs (§6.2).
    sendStorageError(res, 403, 'AccessDenied', 'snowtrail: unknown or expired chunk capability', ctx.metrics);
    return 0;
  }
  const { delivery, plan } = cap;
  const limiter = delivery.limiter;
  const limits = ctx.config().policy.limits;
  const breachAnswer = (): number => {
    ctx.metrics.limitBreaches.inc({ limit: 'bytes' });
    delivery.statement.recording?.note('limit.exceeded', { queryId: delivery.statement.queryId, limit: 'bytes', chunk: plan.index }).catch(() => undefined);
    sendStorageError(res, 400, 'SnowtrailResultLimitExceeded', limitMessage('bytes', limits.maxResultBytes, limiter.bytes), ctx.metrics);
    return 0;
  };
  if (limiter.breach) return breachAnswer();

  const headers: Record<string, string> = { ...plan.headers };
  const ae = req.headers['accept-encoding'];
  if (typeof ae === 'string' && /\bgzip\b/.test(ae)) headers['accept-encoding'] = 'gzip';
  let up;
  try {
    up = await ctx.upstream.chunk(plan.url, headers);
  } catch (err) {
    ctx.logger.warn({ err, chunk: plan.index }, 'chunk origin unreachable');
    sendStorageError(res, 400, 'SnowtrailChunkUnavailable', `snowtrail: the result chunk could not be fetched from its origin (${(err as Error).message})`, ctx.metrics);
    return 0;
  }
  ctx.metrics.upstreamDuration.observe({ endpoint: 'chunk' }, up.elapsed);
  if (up.status !== 200) {
    await up.body.dump().catch(() => undefined);
    // 403 passes through (expired URL → the driver's refresh); anything else becomes a non-retried 400.
    if (up.status === 403) sendStorageError(res, 403, 'AccessDenied', 'snowtrail: the chunk origin refused the request (expired URL?)', ctx.metrics);
    else sendStorageError(res, 400, 'SnowtrailChunkUnavailable', `snowtrail: the chunk origin answered HTTP ${up.status}`, ctx.metrics);
    return up.elapsed;
  }
  const length = up.headers['content-length'] !== undefined ? Number(up.headers['content-length']) : undefined;
  if (length !== undefined && Number.isFinite(length)) {
    limiter.addBytes(length);
    if (limiter.breach) {
      await up.body.dump().catch(() => undefined);
      return breachAnswer();
    }
  }
  await streamChunk(ctx, res, cap, up, length);
  return up.elapsed;
}

/**
 * Records a second serving of a chunk as a `result.repeat` note naming the first (sha256, length).
 * Bytes that differ from the first serving are not released: the stream fails and the record of
 * the first serving is forgotten, so the driver's retry records the chunk in full.
 */
async function recordRepeat(ctx: ProxyContext, statement: ChunkCapability['delivery']['statement'], part: `chunk:${number}`, prior: { sha256: string; bytes: number }, seen: { hash: Hash; bytes: number }): Promise<void> {
  const sha256 = seen.hash.digest('hex');
  if (sha256 !== prior.sha256 || seen.bytes !== prior.bytes) {
    statement.servedChunks?.delete(Number(part.slice('chunk:'.length)));
    throw new Error('the chunk origin served different bytes than the first time');
  }
  const p = statement.recording?.note('result.repeat', { ...(statement.queryId ? { queryId: statement.queryId } : {}), part, sha256, bytes: prior.bytes });
  if (ctx.recorder.mode === 'required') await p;
  else p?.catch(() => undefined);
}

async function streamChunk(ctx: ProxyContext, res: ServerResponse, cap: ChunkCapability, up: Awaited<ReturnType<ProxyContext['upstream']['chunk']>>, length: number | undefined): Promise<void> {
  const { delivery, plan } = cap;
  const required = ctx.recorder.mode === 'required';
  const encoding = up.headers['content-encoding'] !== undefined ? String(up.headers['content-encoding']) : undefined;
  const out: Record<string, string> = { 'content-type': String(up.headers['content-type'] ?? 'binary/octet-stream') };
  if (encoding) out['content-encoding'] = encoding;
  if (length !== undefined) out['content-length'] = String(length);
  let writer: ResultWriter | undefined;
  let recordFailed: unknown;
  const pending = new Set<Promise<void>>();
  const part = `chunk:${plan.index}` as const;
  // A chunk recorded in full before is recorded again only by reference; its bytes are hashed to prove it.
  const prior = delivery.statement.servedChunks?.get(plan.index);
  const repeat = prior ? { hash: createHash('sha256'), bytes: 0 } : undefined;
  const openWriter = (first: Buffer): ResultWriter | undefined =>
    repeat ? undefined : delivery.statement.recording?.openResult({
      requestId: delivery.statement.requestId,
      ...(delivery.statement.queryId ? { queryId: delivery.statement.queryId } : {}),
      part,
      format: delivery.format,
      compression: encoding?.includes('gzip') || isGzip(first) ? 'gzip' : 'none',
      contentType: out['content-type']!,
      rowCount: plan.rowCount,
    });
  const record = (piece: Buffer): void => {
    if (repeat) {
      repeat.hash.update(piece);
      repeat.bytes += piece.length;
    }
    if (!writer) return;
    const p = writer.write(piece).catch((err: unknown) => {
      recordFailed ??= err;
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  let held: Buffer | undefined;
  let sent = 0;
  const limits = ctx.config().policy.limits;
  try {
    res.writeHead(200, out);
    await new Promise<void>((resolve, reject) => {
      const body = up.body;
      // Two reasons to pause the origin: the client is slow (drain) or the recorder is behind.
      let waitingDrain = false;
      let waitingRecorder = false;
      const maybeResume = (): void => {
        if (!waitingDrain && !waitingRecorder) body.resume();
      };
      const fail = (err: unknown): void => {
        body.destroy();
        reject(err);
      };
      res.on('close', () => {
        if (!res.writableFinished) fail(new Error('client went away'));
      });
      body.on('error', reject);
      body.on('end', resolve);
      body.on('data', (piece: Buffer) => {
        if (!writer) writer = openWriter(piece);
        if (length === undefined) {
          delivery.limiter.addBytes(piece.length);
          if (delivery.limiter.breach) return fail(Object.assign(new Error(limitMessage('bytes', limits.maxResultBytes, delivery.limiter.bytes)), { limit: true }));
        }
        record(piece);
        if (recordFailed && required) return fail(recordFailed);
        // The newest piece is held back: in required mode the last bytes wait for the recording.
        if (held) {
          sent += held.length;
          if (!res.write(held)) {
            waitingDrain = true;
            body.pause();
            res.once('drain', () => {
              waitingDrain = false;
              maybeResume();
            });
          }
        }
        held = piece;
        if (pending.size > MAX_PENDING_RECORD_WRITES && !waitingRecorder) {
          waitingRecorder = true;
          body.pause();
          void Promise.race(pending).then(() => {
            waitingRecorder = false;
            maybeResume();
          });
        }
      });
    });
    await Promise.all(pending);
    if (recordFailed && required) throw recordFailed;
    if (writer) {
      const done = await writer.end();
      delivery.statement.servedChunks ??= new Map();
      delivery.statement.servedChunks.set(plan.index, done);
    }
    if (repeat && prior) await recordRepeat(ctx, delivery.statement, part, prior, repeat);
    if (held) {
      sent += held.length;
      res.write(held);
    }
    res.end();
    ctx.metrics.chunkBytes.inc(sent);
    ctx.metrics.clientBytes.inc({ direction: 'out' }, sent);
  } catch (err) {
    const e = err as { limit?: boolean };
    if (e.limit) {
      ctx.metrics.limitBreaches.inc({ limit: 'bytes' });
      delivery.statement.recording?.note('limit.exceeded', { queryId: delivery.statement.queryId, limit: 'bytes', chunk: plan.index }).catch(() => undefined);
    }
    ctx.metrics.chunkBytes.inc(sent);
    ctx.metrics.clientBytes.inc({ direction: 'out' }, sent);
    ctx.logger.warn({ err, chunk: plan.index, sent }, 'chunk cut short');
    await writer?.abort(e.limit ? 'limit_exceeded' : 'stream_failed').catch(() => undefined);
    up.body.destroy();
    // Cut the connection: the client must not take a truncated chunk for a complete one.
    res.destroy();
  }
}
