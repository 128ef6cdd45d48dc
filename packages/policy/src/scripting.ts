import type { ClassifiedStatement, InnerVia } from './classified-statement.js';
import type { SessionContext } from './object-names.js';
import type { ClassifyEnv } from './classify-env.js';
import { scanReads } from './query-reads.js';
import { isOp, skipGroup, wordAt, isOpToken } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/**
 * Snowflake Scripting blocks (`DECLARE … BEGIN … END`). We do not parse the scripting language;
 * we cut the block at every `;`, peel the control words off the front of each piece (IF … THEN,
 * FOR … DO, LET x :=, RETURN, END IF, EXCEPTION WHEN … THEN …) and classify what is left as SQL.
 * Conditions and expressions peeled off are still scanned for the tables they read. Every
 * statement the block can run is therefore seen, whatever control flow surrounds it.
 */

/** Words that can start a SQL statement inside a block. */
const STATEMENT_START = new Set([
  'SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'COPY', 'PUT', 'GET', 'LIST', 'LS', 'REMOVE', 'RM',
  'CREATE', 'ALTER', 'DROP', 'UNDROP', 'GRANT', 'REVOKE', 'EXECUTE', 'CALL', 'USE', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN',
  'SET', 'UNSET', 'COMMIT', 'ROLLBACK', 'START', 'COMMENT', 'DECLARE',
]);

/** Single control words dropped from the front of a piece (`ASYNC (stmt)` runs stmt as a child job). */
const CONTROL_WORDS = new Set(['DECLARE', 'ELSE', 'EXCEPTION', 'DO', 'LOOP', 'REPEAT', 'THEN', 'BREAK', 'CONTINUE', 'NULL', 'ASYNC']);
/** Control words followed by a condition that runs up to THEN or DO. */
const CONDITION_WORDS = new Set(['IF', 'ELSEIF', 'WHILE', 'WHEN', 'FOR', 'CASE']);
/** Pieces starting with these are cursor/flow operations that run no SQL of their own. */
const NO_SQL = new Set(['OPEN', 'FETCH', 'CLOSE', 'RAISE', 'UNTIL', 'LEAVE', 'ITERATE', 'AWAIT']);
const END_QUALIFIERS = new Set(['IF', 'LOOP', 'FOR', 'WHILE', 'REPEAT', 'CASE']);

/** Index of the first of `words` at depth 0 in [from, to), or -1. */
function findIn(tokens: readonly Token[], from: number, to: number, words: readonly string[]): number {
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j] as Token;
    if (isOpToken(t, '(')) depth++;
    else if (isOpToken(t, ')')) depth = Math.max(0, depth - 1);
    else if (depth === 0 && ((t.kind === 'word' && words.includes(t.value)) || (t.kind === 'op' && words.includes(t.value)))) return j;
  }
  return -1;
}

/** Peel control syntax off the front of [from, to); returns where SQL (or an expression) starts. */
function peel(env: ClassifyEnv, from: number, to: number): number {
  const t = env.tokens;
  let i = from;
  for (let guard = 0; i < to && guard < 64; guard++) {
    const w = wordAt(t, i);
    if (w === 'BEGIN' && !['TRANSACTION', 'WORK', 'NAME'].includes(wordAt(t, i + 1) ?? '')) {
      i++;
    } else if (w === 'END') {
      i += END_QUALIFIERS.has(wordAt(t, i + 1) ?? '') ? 2 : 1;
    } else if (w !== undefined && CONTROL_WORDS.has(w)) {
      i++;
    } else if (w !== undefined && CONDITION_WORDS.has(w)) {
      const stop = findIn(t, i + 1, to, ['THEN', 'DO']);
      const end = stop < 0 ? to : stop + 1;
      scanReads(t, i + 1, end, env.ctx, env.b.reads);
      i = end;
    } else if (w === 'LET' || w === 'RETURN' || (w !== undefined && !STATEMENT_START.has(w))) {
      // LET x [type] := expr | x [type] DEFAULT expr | c CURSOR FOR <query> | RETURN expr
      const assign = findIn(t, i, to, [':=', 'DEFAULT', 'FOR']);
      if (assign < 0) {
        if (w === 'RETURN') i++;
        else return i;
      } else {
        i = assign + 1;
      }
    } else {
      return i;
    }
  }
  return i;
}

/** Classify the pieces of a block in [from, to) and attach them to the statement as `via`. */
export function classifyPieces(env: ClassifyEnv, from: number, to: number, via: InnerVia): void {
  const t = env.tokens;
  let start = from;
  let ctx = env.ctx;
  for (let i = from; i <= to; i++) {
    if (i < to && t[i]?.kind !== 'semicolon') continue;
    const piece = classifyPiece(env, start, i, via, ctx);
    // Control flow decides which pieces run after a context change: the rest of the block resolves
    // names in a context that is not known statically.
    if (piece?.contextAfter !== undefined) ctx = { ...ctx, database: UNKNOWN_PART, schema: UNKNOWN_PART };
    start = i + 1;
  }
}

/** The context part that cannot be known statically (rendered `"?"`, matching no concrete pattern). */
const UNKNOWN_PART = '"?"';

function classifyPiece(env: ClassifyEnv, from: number, to: number, via: InnerVia, ctx: SessionContext): ClassifiedStatement | undefined {
  if (from >= to) return undefined;
  const t = env.tokens;
  let i = peel(env, from, to);
  if (i >= to) return undefined;
  // (SELECT …) as an expression: LET rs RESULTSET := (SELECT …)
  if (isOp(t, i, '(') && skipGroup(t, i) === to) i++;
  const w = wordAt(t, i);
  if (w !== undefined && NO_SQL.has(w)) {
    scanReads(t, i, to, ctx, env.b.reads);
    return undefined;
  }
  if (w === undefined || !STATEMENT_START.has(w)) {
    scanReads(t, i, to, ctx, env.b.reads);
    return undefined;
  }
  const end = isOp(t, to - 1, ')') && i > from && isOp(t, i - 1, '(') ? to - 1 : to;
  const statement = env.classifyRange(i, end, ctx);
  env.b.addInner([statement], via, via !== 'body');
  return statement;
}
