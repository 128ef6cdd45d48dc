import { tokenize, type Token } from './tokenizer.js';
import { wordAt } from './token-cursor.js';

/** A statement as a half-open range of token indices (the separating `;` excluded). */
export interface TokenRange {
  start: number;
  end: number;
}

const TXN_AFTER_BEGIN = new Set(['TRANSACTION', 'WORK', 'NAME']);
const END_QUALIFIERS = new Set(['IF', 'LOOP', 'FOR', 'WHILE', 'REPEAT']);

/** True when the BEGIN at `i` opens a Snowflake Scripting block rather than a transaction. */
export function isBlockBegin(tokens: readonly Token[], i: number, end = tokens.length): boolean {
  if (wordAt(tokens, i) !== 'BEGIN') return false;
  const next = i + 1 < end ? tokens[i + 1] : undefined;
  if (next === undefined || next.kind === 'semicolon') return false;
  return !(next.kind === 'word' && TXN_AFTER_BEGIN.has(next.value));
}

const BODY_OWNERS = new Set(['PROCEDURE', 'TASK', 'FUNCTION']);

/**
 * Whether the BEGIN at `i` opens a block: at the start of a statement (not a transaction), inside a
 * DECLARE section or another block, or as the body of CREATE PROCEDURE/TASK/FUNCTION (`AS BEGIN`).
 * A `begin` elsewhere is a column or alias name; treating it as a block would merge the statements
 * after it into one and hide them, so the test is deliberately narrow.
 */
function opensBlock(tokens: readonly Token[], start: number, i: number, inBlock: boolean): boolean {
  if (i === start) return isBlockBegin(tokens, i);
  if (inBlock) return !TXN_AFTER_BEGIN.has(wordAt(tokens, i + 1) ?? '');
  if (wordAt(tokens, i - 1) !== 'AS' || wordAt(tokens, start) !== 'CREATE') return false;
  for (let k = start + 1; k < i && k < start + 8; k++) {
    if (BODY_OWNERS.has(wordAt(tokens, k) ?? '')) return true;
  }
  return false;
}

/**
 * Split tokens at top-level `;`. A Snowflake Scripting block (`DECLARE … BEGIN … END` or
 * `BEGIN … END` not followed by TRANSACTION/WORK) stays one statement, as Snowflake runs it as one.
 * Empty statements are dropped.
 */
export function splitTokenRanges(tokens: readonly Token[]): TokenRange[] {
  const ranges: TokenRange[] = [];
  let start = 0;
  // Frames: 'B' for a BEGIN block, 'C' for CASE (whose END must not close a block).
  let frames: ('B' | 'C')[] = [];
  let inDeclare = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'semicolon') {
      if (inDeclare || frames.includes('B')) continue;
      if (i > start) ranges.push({ start, end: i });
      start = i + 1;
      frames = [];
      continue;
    }
    if (t.kind !== 'word') continue;
    if (i === start && t.value === 'DECLARE') {
      inDeclare = true;
      continue;
    }
    if (t.value === 'BEGIN' && opensBlock(tokens, start, i, inDeclare || frames.includes('B'))) {
      frames.push('B');
      inDeclare = false;
      continue;
    }
    if (t.value === 'CASE') {
      frames.push('C');
      continue;
    }
    if (t.value === 'END') {
      const q = wordAt(tokens, i + 1);
      if (q !== undefined && END_QUALIFIERS.has(q)) {
        i++;
        continue;
      }
      if (q === 'CASE') i++;
      frames.pop();
    }
  }
  if (tokens.length > start) ranges.push({ start, end: tokens.length });
  return ranges;
}

/** The source text of a token range. */
export function rangeText(sql: string, tokens: readonly Token[], range: TokenRange): string {
  const first = tokens[range.start];
  const last = tokens[range.end - 1];
  if (first === undefined || last === undefined) return '';
  return sql.slice(first.start, last.end);
}

/**
 * Split a multi-statement SQL text into statement texts, ignoring `;` inside strings, comments,
 * `$$ … $$` and Snowflake Scripting blocks, and dropping empty statements.
 */
export function splitStatements(sql: string): string[] {
  const { tokens } = tokenize(sql);
  return splitTokenRanges(tokens).map((r) => rangeText(sql, tokens, r));
}
