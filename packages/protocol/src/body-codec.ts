import { gunzipSync, gzipSync } from 'node:zlib';
import { SnowtrailError } from './snowtrail-error.js';

/** Thrown when a body is larger than allowed, before or after decompression. */
export class BodyTooLargeError extends SnowtrailError {
  declare readonly code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_LARGE';
  constructor(readonly limit: number) {
    super('SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_LARGE', `request body exceeds ${limit} bytes after decompression`);
    this.name = 'BodyTooLargeError';
  }
}

/** Thrown when a body is not the JSON (or gzip of JSON) it must be. */
export class BodyMalformedError extends SnowtrailError {
  declare readonly code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED';
  constructor(message: string, options?: { cause?: unknown }) {
    super('SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED', message, options);
    this.name = 'BodyMalformedError';
  }
}

/** True when the bytes start with gzip's magic 1f 8b (the header is unreliable, docs/protocol.md §1.3). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A decoded request body and whether the client had compressed it (to re-compress after a rewrite). */
export interface DecodedBody {
  text: string;
  wasGzip: boolean;
}

/** Gunzips if the magic bytes say so, enforcing `maxBytes` after decompression. */
export function decodeBody(bytes: Uint8Array, maxBytes: number): DecodedBody {
  if (bytes.length > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!isGzip(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), wasGzip: false };
  let plain: Buffer;
  try {
    plain = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || (err as Error).message.includes('maxOutputLength')) {
      throw new BodyTooLargeError(maxBytes);
    }
    throw new BodyMalformedError('request body starts like gzip but does not decompress', { cause: err });
  }
  return { text: plain.toString('utf8'), wasGzip: true };
}

/** Decodes and parses a JSON body; an empty body parses as `undefined`. */
export function decodeJsonBody<T = unknown>(bytes: Uint8Array, maxBytes: number): { value: T | undefined; wasGzip: boolean } {
  const { text, wasGzip } = decodeBody(bytes, maxBytes);
  if (text.trim() === '') return { value: undefined, wasGzip };
  try {
    return { value: JSON.parse(text) as T, wasGzip };
  } catch (err) {
    throw new BodyMalformedError('request body is not valid JSON', { cause: err });
  }
}

/** Serialises a value as a body, gzipping it when the original request was gzip. */
export function encodeJsonBody(value: unknown, gzip: boolean): Buffer {
  const plain = Buffer.from(JSON.stringify(value), 'utf8');
  return gzip ? gzipSync(plain) : plain;
}
