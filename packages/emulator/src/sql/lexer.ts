/**
 * A small SQL lexer: enough to split statements, upper-case unquoted identifiers and rewrite the
 * Snowflake spellings DuckDB does not know, without touching string literals, quoted identifiers
 * or comments.
 */

/** Token kinds the translator distinguishes. */
export type TokenKind = 'word' | 'quoted' | 'string' | 'comment' | 'space' | 'number' | 'param' | 'punct';

/** One lexical token; `text` is the exact source text. */
export interface Token {
  kind: TokenKind;
  text: string;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;

/** Splits SQL text into tokens; the concatenation of all token texts is the input. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      push('comment', end === -1 ? n : end);
    } else if (c === '/' && next === '/') {
      // Snowflake also accepts // line comments.
      const end = sql.indexOf('\n', i);
      push('comment', end === -1 ? n : end);
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      push('comment', end === -1 ? n : end + 2);
    } else if (c === "'") {
      push('string', endOfQuoted(sql, i, "'"));
    } else if (c === '"') {
      push('quoted', endOfQuoted(sql, i, '"'));
    } else if (c === '$' && next === '$') {
      const end = sql.indexOf('$$', i + 2);
      push('string', end === -1 ? n : end + 2);
    } else if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j]!)) j++;
      push('space', j);
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j]!)) j++;
      push('word', j);
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9.eE]/.test(sql[j]!)) {
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '-' || sql[j + 1] === '+')) j++;
        j++;
      }
      push('number', j);
    } else if (c === '?') {
      push('param', i + 1);
    } else if (c === ':' && next !== undefined && DIGIT.test(next) && sql[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && DIGIT.test(sql[j]!)) j++;
      push('param', j);
    } else if (c === '$' && next !== undefined && DIGIT.test(next)) {
      let j = i + 1;
      while (j < n && DIGIT.test(sql[j]!)) j++;
      push('param', j);
    } else if (c === ':' && next === ':') {
      push('punct', i + 2);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

function endOfQuoted(sql: string, start: number, quote: string): number {
  let j = start + 1;
  while (j < sql.length) {
    if (sql[j] === '\\' && quote === "'") {
      j += 2;
      continue;
    }
    if (sql[j] === quote) {
      if (sql[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

/** True for tokens that carry meaning (not whitespace or comments). */
export function isSignificant(t: Token): boolean {
  return t.kind !== 'space' && t.kind !== 'comment';
}

/**
 * Splits a multi-statement text on top-level semicolons, dropping empty statements. Unlike the
 * driver's naive `split(';')` (docs/protocol.md §7) this respects strings and comments.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const t of tokenize(sql)) {
    if (t.kind === 'punct' && t.text === ';') {
      if (current.trim() !== '' && !isOnlyComments(current)) out.push(current.trim());
      current = '';
    } else {
      current += t.text;
    }
  }
  if (current.trim() !== '' && !isOnlyComments(current)) out.push(current.trim());
  return out;
}

function isOnlyComments(sql: string): boolean {
  return tokenize(sql).every((t) => !isSignificant(t));
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
