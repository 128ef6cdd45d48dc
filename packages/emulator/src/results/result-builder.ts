/**
 * Accumulates encoded rows into the first inline rows plus gzip-compressed chunks (docs/protocol.md §6),
 * so a large result is held compressed, never as a JS array of every row.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { RowType } from '@snowtrail/protocol';
import { encodeArrowStream } from './arrow-encode.js';
import type { ResultFormat } from './result-format.js';

const gzipAsync = promisify(gzip);

/** Thresholds for inline rows and chunk sizes. */
export interface ChunkingOptions {
  /** Rows kept inline in `rowset` before chunks start (default 1000). */
  inlineRows?: number;
  /** Rows in each chunk (default 20000). */
  rowsPerChunk?: number;
  /** Inline bytes (JSON text) after which the remaining rows go to chunks (default 1 MiB). */
  maxInlineBytes?: number;
}

/** One stored chunk: its gzip body and the sizes the answer announces. */
export interface StoredChunk {
  rowCount: number;
  uncompressedSize: number;
  compressedSize: number;
  body: Buffer;
}

/** The rows of a finished result. */
export interface BuiltRows {
  inline: (string | null)[][];
  chunks: StoredChunk[];
  total: number;
  /** The format the chunks were encoded in (JSON when absent); the inline rows are encoded at answer time. */
  chunkFormat?: ResultFormat;
}

/** Resolves chunking defaults. */
export function resolveChunking(options: ChunkingOptions | undefined): Required<ChunkingOptions> {
  return {
    inlineRows: options?.inlineRows ?? 1000,
    rowsPerChunk: options?.rowsPerChunk ?? 20000,
    maxInlineBytes: options?.maxInlineBytes ?? 1024 * 1024,
  };
}

/** Builds inline rows and chunks from rows added one at a time. */
export class ResultBuilder {
  private readonly inline: (string | null)[][] = [];
  private inlineBytes = 0;
  private inlineClosed = false;
  private readonly pending: Promise<StoredChunk>[] = [];
  private parts: string[] = [];
  private rows: (string | null)[][] = [];
  private total = 0;
  private readonly opts: Required<ChunkingOptions>;

  /** With a rowtype, chunks are Arrow IPC streams of that schema; without, JSON rows. */
  constructor(
    options?: ChunkingOptions,
    private readonly arrowRowtype?: RowType[],
  ) {
    this.opts = resolveChunking(options);
  }

  /** Adds one encoded row; a full chunk starts compressing in the background (zlib's thread pool). */
  add(row: (string | null)[]): void {
    this.total++;
    const json = JSON.stringify(row);
    if (!this.inlineClosed && this.inline.length < this.opts.inlineRows && this.inlineBytes + json.length <= this.opts.maxInlineBytes) {
      this.inline.push(row);
      this.inlineBytes += json.length;
      return;
    }
    this.inlineClosed = true;
    if (this.arrowRowtype) this.rows.push(row);
    else this.parts.push(json);
    if (this.parts.length + this.rows.length >= this.opts.rowsPerChunk) this.flush();
  }

  /** Finishes the result (compresses the last partial chunk). */
  async finish(): Promise<BuiltRows> {
    this.flush();
    const chunks = await Promise.all(this.pending);
    return { inline: this.inline, chunks, total: this.total, ...(this.arrowRowtype ? { chunkFormat: 'arrow' as const } : {}) };
  }

  /** Chunks still being compressed (the caller may wait to bound memory). */
  get compressing(): number {
    return this.pending.length;
  }

  /** Waits for every chunk started so far. */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }

  private flush(): void {
    if (this.arrowRowtype && this.rows.length > 0) {
      // Arrow chunks are whole IPC streams (schema + batch) each, gzip-compressed like JSON ones.
      const plain = encodeArrowStream(this.arrowRowtype, this.rows);
      const rowCount = this.rows.length;
      this.rows = [];
      this.pending.push(gzipAsync(plain).then((body) => ({ rowCount, uncompressedSize: plain.length, compressedSize: body.length, body })));
      return;
    }
    if (this.parts.length === 0) return;
    // Chunk bodies are the rows without the outer brackets: `["a"],["b"]` (§6.2).
    const plain = Buffer.from(this.parts.join(','), 'utf8');
    const rowCount = this.parts.length;
    this.parts = [];
    this.pending.push(gzipAsync(plain).then((body) => ({ rowCount, uncompressedSize: plain.length, compressedSize: body.length, body })));
  }
}
