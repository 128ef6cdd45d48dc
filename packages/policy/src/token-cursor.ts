import type { Token } from './tokenizer.js';

/** Small helpers for walking a token array; all tolerate any index and never throw. */

/** The upper-case keyword at `i`, or undefined when that token is not an unquoted word. */
export function wordAt(tokens: readonly Token[], i: number): string | undefined {
  const t = tokens[i];
  return t !== undefined && t.kind === 'word' ? t.value : undefined;
}

/** True when `t` is the punctuation `text` (an op token: a string token whose body is `(` is not). */
export function isOpToken(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'op' && t.value === text;
}

/** True when `tokens[i]` is the punctuation `text`. */
export function isOp(tokens: readonly Token[], i: number, text: string): boolean {
  const t = tokens[i];
  return isOpToken(t, text);
}

/** Index just after the `)` matching the `(` at `i` (or the end when unbalanced). */
export function skipGroup(tokens: readonly Token[], i: number): number {
  let depth = 0;
  let j = i;
  while (j < tokens.length) {
    const t = tokens[j] as Token;
    if (t.kind === 'op') {
      if (isOpToken(t, '(')) depth++;
      else if (isOpToken(t, ')')) {
        depth--;
        if (depth <= 0) return j + 1;
      }
    }
    j++;
  }
  return j;
}

/** Index of the first word in `words` at paren depth 0 at or after `from` (before `to`), or -1. */
export function findWord(tokens: readonly Token[], from: number, words: ReadonlySet<string> | readonly string[], to = tokens.length): number {
  const set = words instanceof Set ? words : new Set(words as readonly string[]);
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'op') {
      if (isOpToken(t, '(')) depth++;
      else if (isOpToken(t, ')')) depth = Math.max(0, depth - 1);
    } else if (depth === 0 && t.kind === 'word' && set.has(t.value)) {
      return j;
    }
  }
  return -1;
}

/** Skip the words in `seq` if they appear in order at `i`; returns the index after them, or `i`. */
export function skipWords(tokens: readonly Token[], i: number, seq: readonly string[]): number {
  for (let k = 0; k < seq.length; k++) if (wordAt(tokens, i + k) !== seq[k]) return i;
  return i + seq.length;
}

/** Skip an optional `IF EXISTS` / `IF NOT EXISTS`. */
export function skipIfExists(tokens: readonly Token[], i: number): number {
  const a = skipWords(tokens, i, ['IF', 'NOT', 'EXISTS']);
  if (a !== i) return a;
  return skipWords(tokens, i, ['IF', 'EXISTS']);
}

/**
 * For every token, the index of the `)` that closes the group containing it (`tokens.length` at top
 * level or when unbalanced), computed in one pass so callers never rescan (no quadratic inputs).
 */
export function enclosingCloses(tokens: readonly Token[]): Int32Array {
  const out = new Int32Array(tokens.length).fill(tokens.length);
  const open: number[] = []; // indices of tokens waiting for their group's close
  const starts: number[] = []; // positions in `open` where each group starts
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOpToken(t, ')') && starts.length > 0) {
      const from = starts.pop()!;
      for (let k = from; k < open.length; k++) out[open[k]!] = i;
      open.length = from;
      open.push(i); // the `)` itself belongs to the enclosing group
      continue;
    }
    open.push(i);
    if (isOpToken(t, '(')) starts.push(open.length);
  }
  return out;
}
