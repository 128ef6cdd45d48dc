/**
 * Rows of a JSON result chunk, decoded one at a time. A Snowflake JSON chunk is the rows of a JSON
 * array without its brackets (`["1","a"], ["2","b"]`); parsing it whole turns tens of MiB of text
 * into as many live objects at once, so the chunk is split at its top-level rows and each row is
 * parsed when it is reached. The chunk may arrive in pieces (as it is inflated): a row cut between
 * two pieces is carried over, so neither the chunk nor its inflated text is ever held whole. What
 * parsing the chunk whole would refuse is refused here too, at the row where it goes wrong (the
 * rows before it are still yielded), with the same message and byte offset wherever the pieces cut.
 */
import type { WireCell } from './arrow.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function parseRow(text: string, rows: number): WireCell[] {
  const row = JSON.parse(text) as unknown;
  if (!Array.isArray(row)) throw new Error(`JSON chunk: row ${rows + 1} is not an array`);
  return row as WireCell[];
}

/**
 * Splits a JSON chunk given piece by piece into its rows. Each piece's rows must be read to the
 * end (or until it throws) before the next piece is given; `end()` says whether the chunk ended
 * where a chunk may end.
 */
export class JsonRowSplitter {
  /** Bytes of the chunk in the pieces before the current one. */
  private offset = 0;
  private rows = 0;
  private expectRow = true;
  /** Inside a row: its nesting depth (0: between rows), string state and start. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private rowStart = 0;
  /** The bytes of a row begun in earlier pieces. */
  private carried: Buffer[] = [];

  /** The rows completed by this piece, parsed one at a time as they are read. */
  *push(piece: Buffer): Generator<WireCell[]> {
    let from = 0;
    if (this.depth > 0) {
      const end = this.scanRow(piece, 0);
      if (end < 0) {
        this.carried.push(piece);
        this.offset += piece.length;
        return;
      }
      const text = Buffer.concat([...this.carried, piece.subarray(0, end)]).toString('utf8');
      this.carried = [];
      yield this.completeRow(text);
      from = end;
    }
    for (let i = from; ; ) {
      while (i < piece.length && isSpace(piece[i]!)) i++;
      if (i >= piece.length) break;
      const b = piece[i]!;
      if (!this.expectRow) {
        if (b !== COMMA) throw new Error(`JSON chunk: expected a comma after row ${this.rows} at byte ${this.offset + i}`);
        i++;
        this.expectRow = true;
        continue;
      }
      if (b !== OPEN) throw new Error(`JSON chunk: expected a row at byte ${this.offset + i}`);
      this.rowStart = this.offset + i;
      const end = this.scanRow(piece, i);
      if (end < 0) {
        this.carried = [piece.subarray(i)];
        break;
      }
      yield this.completeRow(piece.toString('utf8', i, end));
      i = end;
    }
    this.offset += piece.length;
  }

  /** Checks that the chunk ended between rows (throws where it did not). */
  end(): void {
    if (this.depth > 0) throw new Error(`JSON chunk is cut off inside the row at byte ${this.rowStart}`);
    if (this.expectRow && this.rows > 0) throw new Error(`JSON chunk: a comma after row ${this.rows} is followed by no row`);
  }

  private completeRow(text: string): WireCell[] {
    const row = parseRow(text, this.rows);
    this.expectRow = false;
    this.rows++;
    return row;
  }

  /** Scans a row from `start` (its `[`, or where the previous piece left it); its end (exclusive), or -1 when it goes on past the piece. */
  private scanRow(piece: Buffer, start: number): number {
    let { depth, inString, escaped } = this;
    for (let i = start; i < piece.length; i++) {
      const b = piece[i]!;
      if (escaped) escaped = false;
      else if (inString) {
        if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN || b === OPEN_OBJECT) depth++;
      else if (b === CLOSE || b === CLOSE_OBJECT) {
        depth--;
        if (depth === 0) {
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          return i + 1;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return -1;
  }
}

/** The rows of a JSON chunk (UTF-8 bytes, already gunzipped), parsed lazily one at a time. */
export function* jsonChunkRows(text: Buffer): Generator<WireCell[]> {
  const splitter = new JsonRowSplitter();
  yield* splitter.push(text);
  splitter.end();
}

/**
 * The rows of a JSON chunk arriving in pieces, a batch (the rows a piece completes) at a time:
 * rows before a damaged one are yielded, then the damage throws.
 */
export async function* jsonChunkRowBatches(pieces: AsyncIterable<Buffer>): AsyncGenerator<WireCell[][]> {
  const splitter = new JsonRowSplitter();
  for await (const piece of pieces) {
    const batch: WireCell[][] = [];
    try {
      for (const row of splitter.push(piece)) batch.push(row);
    } catch (err) {
      if (batch.length > 0) yield batch;
      throw err;
    }
    if (batch.length > 0) yield batch;
  }
  splitter.end();
}
