/** HTTP edge helpers: bounded body reading, JSON answers, S3-style XML errors, throttled writes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, decodeJsonBody, type SnowflakeEnvelope } from '@snowtrail/protocol';

/** Largest request body accepted (after decompression): array binds can be big. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Reads a request body with a byte cap, then decodes it as (possibly gzip) JSON. */
export async function readJsonBody<T>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(MAX_BODY_BYTES);
    chunks.push(b);
  }
  return decodeJsonBody<T>(Buffer.concat(chunks), MAX_BODY_BYTES).value;
}

/** Sends a Snowflake envelope as HTTP 200 JSON (the driver parses only application/json, §1.4). */
export function sendEnvelope(res: ServerResponse, envelope: SnowflakeEnvelope | Record<string, unknown>): void {
  if (res.destroyed) return;
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Sends plain JSON with a status (emulator control endpoints). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.destroyed) return;
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** An S3-style XML error (chunk downloads come from "cloud storage", §6.2). */
export function sendStorageError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.destroyed) return;
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>snowtrail-emulator</RequestId></Error>`);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

/** Writes a body at most `bytesPerSecond`, respecting backpressure; resolves when sent. */
export async function writeThrottled(res: ServerResponse, body: Buffer, bytesPerSecond: number, signal: AbortSignal): Promise<void> {
  // Ten slices a second keeps the rate smooth without a timer per byte.
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  for (let off = 0; off < body.length; off += slice) {
    if (signal.aborted || res.destroyed) return;
    const ok = res.write(body.subarray(off, off + slice));
    if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve));
    if (off + slice < body.length) await delay(100, signal);
  }
  res.end();
}

/** A cancellable delay that resolves (never rejects) when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
