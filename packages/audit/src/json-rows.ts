/**
 * Rows of a JSON result chunk, decoded one at a time. A Snowflake JSON chunk is the rows of a JSON
 * array without its brackets (`["1","a"], ["2","b"]`); parsing it whole turns tens of MiB of text
 * into as many live objects at once, so the chunk is split at its top-level rows and each row is
 * parsed when it is asked for. What parsing the chunk whole would refuse is refused here too, at
 * the row where it goes wrong (the rows before it are still yielded).
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

/** End (exclusive) of the row that starts with `[` at `start`; throws when the text ends inside it. */
function rowEnd(text: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const b = text[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN || b === OPEN_OBJECT) depth++;
    else if (b === CLOSE || b === CLOSE_OBJECT) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error(`JSON chunk is cut off inside the row at byte ${start}`);
}

/** The rows of a JSON chunk (UTF-8 bytes, already gunzipped), parsed lazily one at a time. */
export function* jsonChunkRows(text: Buffer): Generator<WireCell[]> {
  let i = 0;
  let expectRow = true;
  let rows = 0;
  for (;;) {
    while (i < text.length && isSpace(text[i]!)) i++;
    if (i >= text.length) break;
    const b = text[i]!;
    if (!expectRow) {
      if (b !== COMMA) throw new Error(`JSON chunk: expected a comma after row ${rows} at byte ${i}`);
      i++;
      expectRow = true;
      continue;
    }
    if (b !== OPEN) throw new Error(`JSON chunk: expected a row at byte ${i}`);
    const end = rowEnd(text, i);
    const row = JSON.parse(text.toString('utf8', i, end)) as unknown;
    if (!Array.isArray(row)) throw new Error(`JSON chunk: row ${rows + 1} is not an array`);
    i = end;
    expectRow = false;
    rows++;
    yield row as WireCell[];
  }
  if (expectRow && rows > 0) throw new Error(`JSON chunk: a comma after row ${rows} is followed by no row`);
}
