import { unresolvedObject, type UnresolvedReason } from './engine-objects.js';
import { isOpToken } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/**
 * Object names: parsing a (possibly qualified) name from tokens, qualifying it with the session's
 * database and schema, and rendering it in Snowflake's canonical form so that the same object always
 * yields the same string (`"SALES"` and `sales` are one table; `"Sales"` is another).
 */

/** The session's current database and schema; unquoted values are upper-cased, `"quoted"` kept. */
export interface SessionContext {
  database?: string;
  schema?: string;
  /**
   * The session's QUOTED_IDENTIFIERS_IGNORE_CASE as far as the request shows it: true after
   * `ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE`, when quoted identifiers fold to upper
   * case like unquoted ones. Absent: Snowflake's default (false).
   */
  quotedIdentifiersIgnoreCase?: boolean;
}

/** One name part: the identifier's value and whether it was double-quoted. */
export interface NamePart {
  value: string;
  quoted: boolean;
  /** Set for a name that cannot be resolved statically (`IDENTIFIER($t)`): rendered as is, never qualified. */
  raw?: boolean;
}

/** How an object's name is qualified: by database and schema, by database only, or not at all. */
export type NameScope = 'schema_object' | 'schema' | 'account';

/** A name parsed from tokens, with the index of the first token after it. */
export interface ParsedName {
  parts: NamePart[];
  next: number;
  /** Set when the name is `IDENTIFIER($var)` or similar and cannot be resolved statically. */
  unresolved?: string;
}

const PLAIN = /^[A-Z_][A-Z0-9_$]*$/;

/** Render one part canonically: plain upper-case identifiers bare, anything else double-quoted. */
export function renderPart(part: NamePart): string {
  if (part.raw) return part.value;
  const v = part.quoted ? part.value : part.value.toUpperCase();
  return PLAIN.test(v) ? v : `"${v.replace(/"/g, '""')}"`;
}

/** Parse a context value (`analytics`, `"Mixed"`) into a name part. */
export function contextPart(value: string | undefined): NamePart | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return { value: value.slice(1, -1).replace(/""/g, '"'), quoted: true };
  return { value: value.toUpperCase(), quoted: false };
}

function isNameToken(t: Token | undefined): t is Token & { kind: 'word' | 'quoted' } {
  return t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
}

function partOf(t: Token): NamePart {
  return t.kind === 'quoted' ? { value: t.value, quoted: true } : { value: t.value, quoted: false };
}

/** Split a dotted name string (`db."s.x".t`) into parts, honouring double quotes; never throws. */
export function splitNameString(text: string): NamePart[] {
  const parts: NamePart[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    while (i < n && /\s/.test(text[i] as string)) i++;
    if (text[i] === '"') {
      let v = '';
      i++;
      while (i < n) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      parts.push({ value: v, quoted: true });
    } else {
      let v = '';
      while (i < n && text[i] !== '.') {
        v += text[i];
        i++;
      }
      parts.push({ value: v.trim().toUpperCase(), quoted: false });
    }
    while (i < n && text[i] !== '.') i++;
    if (i >= n) break;
    i++;
  }
  return parts;
}

/**
 * Parse `a`, `a.b`, `a.b.c`, `a..c` (default schema PUBLIC) or `IDENTIFIER('a.b')` starting at
 * `tokens[i]`; returns undefined when no name starts there.
 */
export function parseName(tokens: readonly Token[], i: number): ParsedName | undefined {
  const first = tokens[i];
  if (first === undefined) return undefined;
  // "IDENTIFIER"(…) is read as IDENTIFIER(…) too: a quoted upper-case name is the same name
  if ((first.kind === 'word' || first.kind === 'quoted') && first.value === 'IDENTIFIER' && isOpToken(tokens[i + 1], '(')) {
    const arg = tokens[i + 2];
    let j = i + 2;
    let depth = 1;
    while (j < tokens.length && depth > 0) {
      const t = tokens[j] as Token;
      if (isOpToken(t, '(')) depth++;
      else if (isOpToken(t, ')')) depth--;
      j++;
    }
    if (arg?.kind === 'string' && isOpToken(tokens[i + 3], ')')) return { parts: splitNameString(arg.value), next: j };
    const inside = tokens
      .slice(i + 2, Math.max(i + 2, j - 1))
      .map((t) => t.text)
      .join('');
    return { parts: [{ value: unresolvedObject(unresolvedReasonOf(tokens, i + 2, j - 1)), quoted: false, raw: true }], next: j, unresolved: inside };
  }
  if (!isNameToken(first)) return undefined;
  const parts: NamePart[] = [partOf(first)];
  let j = i + 1;
  while (isOpToken(tokens[j], '.')) {
    const after = tokens[j + 1];
    if (isNameToken(after)) {
      parts.push(partOf(after));
      j += 2;
    } else if (isOpToken(after, '.') && isNameToken(tokens[j + 2])) {
      // db..object: the schema is PUBLIC
      parts.push({ value: 'PUBLIC', quoted: false });
      j += 1;
    } else {
      break;
    }
  }
  return { parts, next: j };
}

/** Why the argument tokens [from, to) of IDENTIFIER(…) / TABLE(…) do not name an object statically. */
export function unresolvedReasonOf(tokens: readonly Token[], from: number, to: number): UnresolvedReason {
  const only = to - from === 1 ? tokens[from] : undefined;
  if (only?.kind === 'variable') return 'variable_name';
  if (only?.kind === 'bind') return only.value === '?' || /^:\d+$/.test(only.value) ? 'bind_name' : 'variable_name';
  if (to - from === 2 && isOpToken(tokens[from], ':') && tokens[from + 1]?.kind === 'word') return 'variable_name';
  return 'expression_name';
}

/** Fold quoted parts to upper case when the session ignores the case of quoted identifiers. */
function foldQuoted(p: NamePart, ctx: SessionContext): NamePart {
  return ctx.quotedIdentifiersIgnoreCase === true && p.quoted ? { value: p.value.toUpperCase(), quoted: true } : p;
}

/** Qualify parsed parts with the session context and render the fully qualified name. */
export function qualify(parts: readonly NamePart[], scope: NameScope, ctx: SessionContext): string {
  const raw = parts.find((p) => p.raw);
  if (raw !== undefined) return raw.value;
  const db = contextPart(ctx.database);
  const schema = contextPart(ctx.schema);
  let full: (NamePart | undefined)[];
  if (scope === 'account') full = parts.slice(-1);
  else if (scope === 'schema') full = parts.length >= 2 ? parts.slice(-2) : [db, ...parts];
  else if (parts.length >= 3) full = parts.slice(-3);
  else if (parts.length === 2) full = [db, ...parts];
  else full = [db, schema, ...parts];
  // Missing context parts are left out rather than invented: the name stays as specific as we know.
  return full
    .filter((p): p is NamePart => p !== undefined)
    .map((p) => renderPart(foldQuoted(p, ctx)))
    .join('.');
}

/** Render a stage reference token (`@s/path`, `@~`, `@%t`, `@db.s."St"`) as `@DB.SCHEMA.STAGE`. */
export function qualifyStage(text: string, ctx: SessionContext): string {
  let body = text.startsWith('@') ? text.slice(1) : text;
  if (body.startsWith('~')) return '@~';
  // strip the path: the first '/' outside double quotes
  let inQuote = false;
  for (let k = 0; k < body.length; k++) {
    const ch = body[k];
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '/' && !inQuote) {
      body = body.slice(0, k);
      break;
    }
  }
  // a table stage is written @%t or @db.s.%t: the '%' opens the last part
  let tableStage = false;
  let lastDot = -1;
  inQuote = false;
  for (let k = 0; k < body.length; k++) {
    const ch = body[k];
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '.' && !inQuote) lastDot = k;
  }
  if (body[lastDot + 1] === '%') {
    tableStage = true;
    body = body.slice(0, lastDot + 1) + body.slice(lastDot + 2);
  }
  const parts = splitNameString(body);
  return tableStage ? qualifyTableStage(parts, ctx) : `@${qualify(parts, 'schema_object', ctx)}`;
}

/** Render a table's own stage (`@%t`) as `@DB.SCHEMA.%T`. */
export function qualifyTableStage(parts: readonly NamePart[], ctx: SessionContext): string {
  const name = qualify(parts, 'schema_object', ctx);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? `@%${name}` : `@${name.slice(0, dot + 1)}%${name.slice(dot + 1)}`;
}

const LOCATION = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True when a string literal names an external location (`s3://…`, `gcs://…`, `azure://…`). */
export function isLocationString(value: string): boolean {
  return LOCATION.test(value.trim());
}
