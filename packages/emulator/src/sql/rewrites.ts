/**
 * Rewrites of translated DuckDB text that Snowflake spells differently: `CLONE`, `INSERT OVERWRITE`
 * and `seq.NEXTVAL`. Pure; read from the tokens of the policy package's tokenizer (lexer.ts).
 */
import { isSignificant, quoteLiteral, tokenize, type Token } from './lexer.js';

/** Significant tokens with their positions in the full token list. */
function significant(tokens: Token[]): { sig: Token[]; at: number[] } {
  const at = tokens.map((t, i) => (isSignificant(t) ? i : -1)).filter((i) => i >= 0);
  return { sig: at.map((i) => tokens[i]!), at };
}

const upper = (t: Token | undefined): string | undefined => (t?.kind === 'word' ? t.text.toUpperCase() : undefined);
const isNamePart = (t: Token | undefined): boolean => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
const join = (tokens: Token[], from: number, to: number): string => tokens.slice(from, to).map((t) => t.text).join('');

/** Index after a dotted name starting at sig[k] (k itself when there is none). */
function nameEnd(sig: Token[], k: number): number {
  let i = k;
  while (isNamePart(sig[i])) {
    i++;
    if (sig[i]?.text === '.' && isNamePart(sig[i + 1])) i++;
    else break;
  }
  return i;
}

/** `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] t CLONE s` → `… t AS SELECT * FROM s`; undefined otherwise. */
export function rewriteClone(sql: string): string | undefined {
  const tokens = tokenize(sql);
  const { sig, at } = significant(tokens);
  let k = 0;
  if (upper(sig[k++]) !== 'CREATE') return undefined;
  if (upper(sig[k]) === 'OR' && upper(sig[k + 1]) === 'REPLACE') k += 2;
  if (upper(sig[k++]) !== 'TABLE') return undefined;
  if (upper(sig[k]) === 'IF' && upper(sig[k + 1]) === 'NOT' && upper(sig[k + 2]) === 'EXISTS') k += 3;
  const target = nameEnd(sig, k);
  if (target === k || upper(sig[target]) !== 'CLONE') return undefined;
  const source = nameEnd(sig, target + 1);
  if (source === target + 1 || source !== sig.length) return undefined;
  return `${join(tokens, 0, at[target - 1]! + 1)} AS SELECT * FROM ${join(tokens, at[target + 1]!, at[source - 1]! + 1)}`;
}

/** `INSERT OVERWRITE INTO t …` → the INSERT without OVERWRITE and the target to empty first; undefined otherwise. */
export function rewriteOverwrite(sql: string): { sql: string; target: string } | undefined {
  const tokens = tokenize(sql);
  const { sig, at } = significant(tokens);
  if (upper(sig[0]) !== 'INSERT' || upper(sig[1]) !== 'OVERWRITE' || upper(sig[2]) !== 'INTO') return undefined;
  const end = nameEnd(sig, 3);
  if (end === 3) return undefined;
  return { sql: `${join(tokens, 0, at[0]! + 1)}${join(tokens, at[1]! + 1, tokens.length)}`, target: join(tokens, at[3]!, at[end - 1]! + 1) };
}

/** `seq.NEXTVAL` (Snowflake) → `NEXTVAL('seq')` (DuckDB). */
export function rewriteSequences(sql: string): string {
  const tokens = tokenize(sql);
  const { sig, at } = significant(tokens);
  const out: string[] = [];
  let from = 0;
  for (let k = 2; k < sig.length; k++) {
    if (upper(sig[k]) !== 'NEXTVAL' || sig[k - 1]!.text !== '.' || !isNamePart(sig[k - 2])) continue;
    let first = k - 2;
    while (first >= 2 && sig[first - 1]!.text === '.' && isNamePart(sig[first - 2])) first -= 2;
    out.push(join(tokens, from, at[first]!), `NEXTVAL(${quoteLiteral(join(tokens, at[first]!, at[k - 2]! + 1))})`);
    from = at[k]! + 1;
  }
  out.push(join(tokens, from, tokens.length));
  return out.join('');
}
