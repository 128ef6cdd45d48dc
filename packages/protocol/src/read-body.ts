/**
 * Reads a request body from a stream under a byte cap, inflating gzip as the bytes arrive (detected
 * by its magic bytes), so neither the compressed nor the inflated body ever exceeds the cap in
 * memory and a gzip bomb stops at the cap instead of after inflating.
 */
import { createGunzip } from 'node:zlib';
import { BodyMalformedError, BodyTooLargeError, isGzip } from './body-codec.js';

/** Options of readBody. */
export interface ReadBodyOptions {
  /** Cap on the bytes read and, for gzip, on the inflated bytes. */
  maxBytes: number;
  /** Called with each increment of bytes held in memory; may throw to stop reading (a budget). */
  charge?: (bytes: number) => void;
  /**
   * The declared length (Content-Length): a plain body is then read into one buffer of that size
   * instead of pieces joined at the end, so its bytes are held once, not twice.
   */
  expectedBytes?: number;
}

/** A body as read: plain bytes and whether the client had gzipped them. */
export interface ReadBody {
  bytes: Buffer;
  wasGzip: boolean;
}

/** Reads and (if gzip) inflates a body, enforcing the cap before and after decompression. */
export async function readBody(source: AsyncIterable<Uint8Array>, options: ReadBodyOptions): Promise<ReadBody> {
  const { maxBytes, charge } = options;
  const parts: Buffer[] = [];
  let held = 0;
  let read = 0;
  let head: Buffer | undefined;
  let inflater: Inflater | undefined;
  const expected = options.expectedBytes;
  let whole = expected !== undefined && expected > 0 && expected <= maxBytes ? Buffer.allocUnsafe(expected) : undefined;
  const keep = (piece: Buffer): void => {
    if (held + piece.length > maxBytes) throw new BodyTooLargeError(maxBytes);
    charge?.(piece.length);
    if (whole && !inflater && held + piece.length <= whole.length) piece.copy(whole, held);
    else {
      if (whole) parts.push(whole.subarray(0, held));
      whole = undefined;
      parts.push(piece);
    }
    held += piece.length;
  };
  for await (const chunk of source) {
    const piece = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    read += piece.length;
    if (read > maxBytes) {
      inflater?.destroy();
      throw new BodyTooLargeError(maxBytes);
    }
    if (inflater) {
      await inflater.write(piece);
      continue;
    }
    head = head ? Buffer.concat([head, piece]) : piece;
    if (head.length < 2) continue;
    if (isGzip(head)) {
      inflater = startInflater(keep);
      await inflater.write(head);
    } else keep(head);
    head = undefined;
  }
  if (inflater) await inflater.end();
  else if (head) keep(head);
  const bytes = whole ? whole.subarray(0, held) : Buffer.concat(parts, held);
  return { bytes, wasGzip: inflater !== undefined };
}

interface Inflater {
  write(piece: Buffer): Promise<void>;
  end(): Promise<void>;
  destroy(): void;
}

/** A gunzip stream whose output goes to `keep`; the first failure (cap, budget, corrupt data) wins. */
function startInflater(keep: (piece: Buffer) => void): Inflater {
  const gz = createGunzip();
  let failure: unknown;
  gz.on('data', (out: Buffer) => {
    if (failure) return;
    try {
      keep(out);
    } catch (err) {
      failure = err;
      gz.destroy();
    }
  });
  gz.on('error', (err) => {
    failure ??= new BodyMalformedError('request body starts like gzip but does not decompress', { cause: err });
  });
  const settled = new Promise<void>((resolve) => gz.once('close', () => resolve()));
  const check = (): void => {
    if (failure) throw failure;
  };
  return {
    async write(piece) {
      check();
      if (!gz.write(piece)) await Promise.race([new Promise((r) => gz.once('drain', r)), settled]);
      check();
    },
    async end() {
      check();
      gz.end();
      await settled;
      check();
    },
    destroy() {
      gz.destroy();
    },
  };
}
