/**
 * A Snowflake SQL tokenizer that never throws. It exists so that the classifier sees statements the
 * way Snowflake does: comments and string bodies are opaque, `;` inside them does not split, and
 * keywords hidden behind comments, odd case or line breaks still read as keywords.
 *
 * Where Snowflake's lexing is unclear, the tokenizer picks the reading that exposes MORE SQL (see
 * docs/policy.md "Tokenizer"): stage paths and `file://` paths run to the next whitespace, so a `/*`
 * or `'` inside a path cannot swallow a following statement. Text that the alternative lexing
 * (nested comments, paths ending at a comment start) reads differently is reported as `ambiguous`,
 * so the classifier can decide both readings.
 */

/** What a token is. Comments are not tokens. */
export type TokenKind =
  | 'word' // unquoted identifier or keyword
  | 'quoted' // "double quoted identifier"
  | 'string' // 'single quoted' or $$dollar quoted$$
  | 'number'
  | 'stage' // @stage, @~, @%table, @db.schema."Stage"/path
  | 'path' // file:///tmp/x.csv (PUT / GET local paths)
  | 'variable' // $name, $1
  | 'bind' // ?, :1
  | 'op' // punctuation and operators, including ( ) , . = :: ->>
  | 'semicolon';

/** One token with its source span; `value` is the decoded text (string body, identifier body). */
export interface Token {
  readonly kind: TokenKind;
  /** Raw source text of the token. */
  readonly text: string;
  /** Decoded value: identifier/string body without quotes and escapes; upper-case for words; the text for ops. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** For strings: true when dollar-quoted. */
  readonly dollar: boolean;
}

/**
 * Tokens share one class (one hidden shape for V8) and slice their raw text only when asked: a
 * 100 KB statement has ~30,000 tokens and most raw texts are never read.
 */
class SqlToken implements Token {
  constructor(
    private readonly src: string,
    readonly kind: TokenKind,
    readonly start: number,
    readonly end: number,
    readonly value: string,
    readonly dollar: boolean,
  ) {}

  get text(): string {
    return this.src.slice(this.start, this.end);
  }

  toJSON(): object {
    return { kind: this.kind, text: this.text, value: this.value, start: this.start, end: this.end, dollar: this.dollar };
  }
}

/** The tokenizer's output. */
export interface TokenizeResult {
  tokens: Token[];
  /**
   * True when the text reads differently under the alternative lexing ({@link TokenizeOptions.alternative}):
   * a block comment contains `/*`, or an unquoted path contains `/*`, `--` or `//`.
   */
  ambiguous: boolean;
}

/** Options for {@link tokenize}. */
export interface TokenizeOptions {
  /**
   * The alternative reading used to double-check ambiguous text: block comments nest (depth-counted;
   * Snowflake ends a comment at the first `*\/`), and an unquoted path ends where a comment starts.
   */
  alternative?: boolean;
}

const CH_NL = 10;
const CH_CR = 13;

/**
 * Whitespace, and also invisible format characters (zero-width space, joiners, soft hyphen, BOM):
 * if Snowflake ever treated `COPY\u200bINTO` as two words we must too, and if it does not, the
 * statement is a syntax error either way. Reading more separators than Snowflake is the safe side.
 */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0xad || c === 0x1680 || c === 0x180e || (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
    (c >= 0x205f && c <= 0x2064) || c === 0x3000 || c === 0xfeff
  );
}

/** Any character that may end a line comment: ending comments early exposes more SQL, never less. */
function isLineEnd(c: number): boolean {
  return c === CH_NL || c === CH_CR || c === 11 || c === 12 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const NON_ASCII_WORD = /^[\p{L}\p{N}\p{M}]$/u;

/** Letters and underscore; beyond ASCII only letters, digits and marks (other symbols are operators). */
function isIdentStart(c: number): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return true;
  return c >= 0x80 && !isSpace(c) && NON_ASCII_WORD.test(String.fromCharCode(c));
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

/** Characters that end an unquoted path (stage path or file:// path). */
function isPathEnd(c: number): boolean {
  return isSpace(c) || c === 59 /* ; */ || c === 41 /* ) */ || c === 44 /* , */;
}

const MULTI_OPS = ['->>', '::', '||', '<=', '>=', '<>', '!=', '=>', '->', ':='];
const MULTI_OP_START = new Set(MULTI_OPS.map((m) => m.charCodeAt(0)));

/** Split SQL text into tokens; never throws, whatever the input. */
export function tokenize(sql: string, options: TokenizeOptions = {}): TokenizeResult {
  const tokens: Token[] = [];
  let ambiguous = false;
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value: string, dollar = false): void => {
    tokens.push(new SqlToken(sql, kind, start, end, value, dollar));
  };

  while (i < n) {
    const c = sql.charCodeAt(i);
    const c1 = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    if (isSpace(c)) {
      i++;
      continue;
    }
    // -- and // line comments (`//` is a documented Snowflake comment form)
    if ((c === 45 && c1 === 45) || (c === 47 && c1 === 47)) {
      i += 2;
      while (i < n && !isLineEnd(sql.charCodeAt(i))) i++;
      continue;
    }
    // /* block comments */
    if (c === 47 && c1 === 42) {
      let depth = 1;
      i += 2;
      while (i < n) {
        const d = sql.charCodeAt(i);
        const d1 = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
        if (d === 47 && d1 === 42) {
          ambiguous = true;
          if (options.alternative) depth++;
          i += 2;
          continue;
        }
        if (d === 42 && d1 === 47) {
          i += 2;
          depth--;
          if (depth === 0) break;
          continue;
        }
        i++;
      }
      continue;
    }
    // 'single quoted' with '' and backslash escapes
    if (c === 39) {
      const start = i;
      i++;
      // fast path: no escapes before the closing quote
      const close = sql.indexOf("'", i);
      if (close >= 0 && !hasBackslash(sql, i, close) && sql.charCodeAt(close + 1) !== 39) {
        push('string', start, close + 1, sql.slice(i, close));
        i = close + 1;
        continue;
      }
      let value = '';
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d === 92 /* \ */ && i + 1 < n) {
          value += unescapeChar(sql[i + 1] as string);
          i += 2;
          continue;
        }
        if (d === 39) {
          if (i + 1 < n && sql.charCodeAt(i + 1) === 39) {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i];
        i++;
      }
      push('string', start, i, value);
      continue;
    }
    // $$ dollar quoted $$, $name / $1 variables
    if (c === 36) {
      const start = i;
      if (c1 === 36) {
        const close = sql.indexOf('$$', i + 2);
        const end = close < 0 ? n : close + 2;
        push('string', start, end, sql.slice(i + 2, close < 0 ? n : close), true);
        i = end;
        continue;
      }
      i++;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      push('variable', start, i, sql.slice(start, i).toUpperCase());
      continue;
    }
    // "double quoted identifier" with ""
    if (c === 34) {
      const start = i;
      i++;
      const close = sql.indexOf('"', i);
      if (close >= 0 && sql.charCodeAt(close + 1) !== 34) {
        push('quoted', start, close + 1, sql.slice(i, close));
        i = close + 1;
        continue;
      }
      let value = '';
      while (i < n) {
        if (sql.charCodeAt(i) === 34) {
          if (i + 1 < n && sql.charCodeAt(i + 1) === 34) {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i];
        i++;
      }
      push('quoted', start, i, value);
      continue;
    }
    // @stage references
    if (c === 64) {
      const start = i;
      const end = scanStage(sql, i + 1);
      i = pathEnd(sql, start, end, options);
      if (i !== end) ambiguous = true;
      else if (hasCommentStart(sql, start, end)) ambiguous = true;
      push('stage', start, i, sql.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(c1))) {
      const start = i;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      if (i < n && sql.charCodeAt(i) === 46) {
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
      const e = i < n ? sql.charCodeAt(i) : -1;
      if (e === 69 || e === 101) {
        let j = i + 1;
        const s = j < n ? sql.charCodeAt(j) : -1;
        if (s === 43 || s === 45) j++;
        if (j < n && isDigit(sql.charCodeAt(j))) {
          i = j;
          while (i < n && isDigit(sql.charCodeAt(i))) i++;
        }
      }
      push('number', start, i, sql.slice(start, i));
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      const upper = sql.slice(start, i).toUpperCase();
      // PUT/GET take an unquoted file:// URL; without this, its `//` would read as a comment.
      if (upper === 'FILE' && sql.startsWith('://', i)) {
        while (i < n && !isPathEnd(sql.charCodeAt(i))) i++;
        const end = i;
        i = pathEnd(sql, start + 7, end, options);
        if (hasCommentStart(sql, start + 7, end)) ambiguous = true;
        push('path', start, i, sql.slice(start, i));
        continue;
      }
      push('word', start, i, upper);
      continue;
    }
    if (c === 59) {
      push('semicolon', i, i + 1, ';');
      i++;
      continue;
    }
    if (c === 63) {
      push('bind', i, i + 1, '?');
      i++;
      continue;
    }
    if (c === 58 && isDigit(c1)) {
      const start = i;
      i++;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      push('bind', start, i, sql.slice(start, i));
      continue;
    }
    let op = sql[i] as string;
    if (MULTI_OP_START.has(c)) {
      for (const m of MULTI_OPS) {
        if (sql.startsWith(m, i)) {
          op = m;
          break;
        }
      }
    }
    // A lone surrogate or other odd code unit still becomes a one-character op: never stuck, never throws.
    push('op', i, i + op.length, op);
    i += op.length;
  }
  return { tokens, ambiguous };
}

/** Where a comment start (`/*`, `--`, `//`) first appears in [from, to), or -1. */
function commentStart(sql: string, from: number, to: number): number {
  for (let k = from; k + 1 < to; k++) {
    const a = sql.charCodeAt(k);
    const b = sql.charCodeAt(k + 1);
    if ((a === 47 && (b === 42 || b === 47)) || (a === 45 && b === 45)) return k;
  }
  return -1;
}

function hasCommentStart(sql: string, from: number, to: number): boolean {
  return commentStart(sql, from, to) >= 0;
}

/** The end of a path: the scanned end, or (alternative reading) the first comment start in it. */
function pathEnd(sql: string, from: number, end: number, options: TokenizeOptions): number {
  if (!options.alternative) return end;
  const c = commentStart(sql, from, end);
  return c < 0 ? end : c;
}

function hasBackslash(sql: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (sql.charCodeAt(k) === 92) return true;
  return false;
}

function unescapeChar(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case '0':
      return '\0';
    default:
      return ch;
  }
}

/** Scan the rest of a stage reference after `@`; returns the end index. */
function scanStage(sql: string, from: number): number {
  const n = sql.length;
  let i = from;
  if (i < n && sql.charCodeAt(i) === 126 /* ~ */) {
    i++;
  } else {
    // name parts: ident | "quoted" | %ident, separated by '.'
    for (;;) {
      if (i < n && sql.charCodeAt(i) === 37 /* % */) i++;
      if (i < n && sql.charCodeAt(i) === 34) {
        i++;
        while (i < n) {
          if (sql.charCodeAt(i) === 34) {
            if (i + 1 < n && sql.charCodeAt(i + 1) === 34) {
              i += 2;
              continue;
            }
            i++;
            break;
          }
          i++;
        }
      } else {
        while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      }
      if (i < n && sql.charCodeAt(i) === 46 /* . */) {
        i++;
        continue;
      }
      break;
    }
  }
  if (i < n && sql.charCodeAt(i) === 47 /* / */) {
    while (i < n && !isPathEnd(sql.charCodeAt(i))) i++;
  }
  return i;
}
