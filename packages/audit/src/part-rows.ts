/**
 * The rows of a recorded result part in batches, decoded as they are read. A JSON chunk is
 * inflated piece by piece and split into rows as its text comes out, so its plain text (several
 * times its stored size) is never held whole; inline answers and Arrow chunks are decoded whole
 * (an Arrow IPC stream is read from one buffer) and handed out in batches too.
 */
import { createGunzip } from 'node:zlib';
import type { WireCell } from './arrow.js';
import { jsonChunkRowBatches } from './json-rows.js';
import { decodeResultPart, type RecordedPart } from './results.js';
import type { ColumnType } from './wire-values.js';

/** Rows of a part, a batch at a time. */
export interface PartRowBatches {
  columns: ColumnType[];
  batches: AsyncIterable<WireCell[][]>;
}

/** Rows handed out at once from a part decoded whole. */
const BATCH_ROWS = 1000;

/** Whether the stored bytes start with gzip's magic bytes (the pieces may be cut anywhere). */
function startsWithGzipMagic(pieces: readonly Buffer[]): boolean {
  const head: number[] = [];
  for (const p of pieces) {
    for (let i = 0; i < p.length && head.length < 2; i++) head.push(p[i]!);
    if (head.length === 2) break;
  }
  return head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The stored bytes of a part as plain text, a piece at a time: gunzipped as they are read (zlib's
 * output is consumed as it is made, so only a window and one output piece are in memory).
 */
export async function* plainPieces(p: RecordedPart): AsyncGenerator<Buffer> {
  // Detected by magic bytes too: the stored compression flag is not the only witness.
  if (p.storedCompression !== 'gzip' && !startsWithGzipMagic(p.bytes)) {
    yield* p.bytes;
    return;
  }
  const gunzip = createGunzip();
  for (const b of p.bytes) gunzip.write(b);
  gunzip.end();
  yield* gunzip as AsyncIterable<Buffer>;
}

/** A part's rows, already decoded, in batches: rows before a failure are handed out, then it throws. */
async function* batchesOf(rows: Iterable<WireCell[]>): AsyncGenerator<WireCell[][]> {
  let batch: WireCell[][] = [];
  try {
    for (const r of rows) {
      batch.push(r);
      if (batch.length === BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (batch.length > 0) yield batch;
    throw err;
  }
  if (batch.length > 0) yield batch;
}

/** Hands the batches out, then gives the part's lent bytes back (at the end, on failure, or when the reader stops). */
async function* releasingAfter(batches: AsyncIterable<WireCell[][]>, release: () => void): AsyncGenerator<WireCell[][]> {
  try {
    yield* batches;
  } finally {
    release();
  }
}

/**
 * Decodes a part into batches of wire cells (throws at once when its bytes cannot be decoded at all
 * or were cut for display; a JSON chunk's text that goes wrong part-way throws while it is read).
 * `context` gives a chunk the columns of its statement's inline answer. Lent bytes (`releaseBytes`)
 * are given back once the batches are read to the end, fail, or are left.
 */
export function decodeResultPartBatches(p: RecordedPart, context: ColumnType[] = []): PartRowBatches {
  const release = p.releaseBytes ?? ((): void => undefined);
  if (p.part !== 'inline' && p.format === 'json' && !p.blobProblem && !p.truncatedForDisplay) {
    const columns = context.length > 0 ? context : (p.columns ?? []).map((name) => ({ name }));
    return { columns, batches: releasingAfter(jsonChunkRowBatches(plainPieces(p)), release) };
  }
  try {
    const d = decodeResultPart(p, context);
    // Arrow rows may be views into the bytes: they are given back only after the last row is read.
    return { columns: d.columns, batches: releasingAfter(batchesOf(d.rows), release) };
  } catch (err) {
    release();
    throw err;
  }
}
