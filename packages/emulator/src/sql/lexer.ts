/**
 * The emulator's view of the policy package's tokenizer and splitter (`@snowtrail/policy`): one
 * reading of Snowflake SQL for the sidecar and the emulator. The translator rewrites text token by
 * token, so this view also keeps what the policy tokenizer leaves out (whitespace and comments) as
 * `space` and `comment` tokens: the concatenation of all token texts is the input.
 */
import { splitTokenRanges, tokenize as tokenizeSql, type Token as SqlToken } from '@snowtrail/policy';

/** Token kinds the translator distinguishes. */
export type TokenKind = 'word' | 'quoted' | 'string' | 'comment' | 'space' | 'number' | 'param' | 'punct';

/** One lexical token; `text` is the exact source text. */
export interface Token {
  kind: TokenKind;
  text: string;
}

const BLANK = /^\s*$/;

/** The translator's kind of one policy token (stages and local paths stay opaque). */
function kindOf(t: SqlToken): TokenKind {
  switch (t.kind) {
    case 'word':
    case 'quoted':
    case 'string':
    case 'number':
      return t.kind;
    case 'bind':
      return 'param';
    default:
      return 'punct';
  }
}

/** Pushes the text between two tokens: whitespace, or comments (with any whitespace around them). */
function pushGap(out: Token[], gap: string): void {
  if (gap !== '') out.push({ kind: BLANK.test(gap) ? 'space' : 'comment', text: gap });
}

/** Splits SQL text into tokens; the concatenation of all token texts is the input. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const t of tokenizeSql(sql).tokens) {
    pushGap(out, sql.slice(at, t.start));
    const text = t.text;
    if (t.kind === 'variable' && !/^\$[0-9]+$/.test(text)) {
      // A session variable `$name`: the sign, then the name as a word (it is upper-cased like one).
      out.push({ kind: 'punct', text: '$' }, { kind: 'word', text: text.slice(1) });
    } else {
      out.push({ kind: t.kind === 'variable' ? 'param' : kindOf(t), text });
    }
    at = t.end;
  }
  pushGap(out, sql.slice(at));
  return out;
}

/** True for tokens that carry meaning (not whitespace or comments). */
export function isSignificant(t: Token): boolean {
  return t.kind !== 'space' && t.kind !== 'comment';
}

/**
 * Splits a multi-statement text as the policy package does (top-level `;`, not inside strings,
 * comments or scripting blocks), dropping empty statements. Each statement keeps the comments
 * before it, trimmed. Unlike the driver's naive `split(';')` (docs/protocol.md §7).
 */
export function splitStatements(sql: string): string[] {
  const { tokens } = tokenizeSql(sql);
  return splitTokenRanges(tokens).map((r) => {
    // From the end of the `;` before the statement (or the text's start) to the `;` after it (or the end).
    const from = r.start > 0 ? tokens[r.start - 1]!.end : 0;
    const after = tokens[r.end];
    return sql.slice(from, after ? after.start : sql.length).trim();
  });
}

// Snowflake resolves backslash escapes in single-quoted strings; DuckDB does not.
const BACKSLASH_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/** The value of a single-quoted string token, with doubled quotes and backslash escapes resolved. */
export function unquoteString(text: string): string {
  if (text.startsWith('$$')) return text.slice(2, -2);
  return text
    .slice(1, -1)
    .replace(/''/g, "'")
    .replace(/\\(.)/gs, (_m, ch: string) => BACKSLASH_ESCAPES[ch] ?? ch);
}

/** The name inside a double-quoted identifier token. */
export function unquoteIdentifier(text: string): string {
  return text.slice(1, -1).replace(/""/g, '"');
}

/** Quotes a name as a DuckDB/Snowflake identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a value as a SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
