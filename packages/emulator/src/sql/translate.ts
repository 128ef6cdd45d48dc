/**
 * Translates one Snowflake statement into what the emulator executes: DuckDB SQL, or a command the
 * emulator handles itself (USE, SHOW, DESCRIBE, CREATE DATABASE, SYSTEM$WAIT, accepted no-ops).
 * Pure: takes the session's names, returns a plan.
 */
import { isSignificant, quoteIdentifier, quoteLiteral, tokenize, unquoteString, type Token } from './lexer.js';
import { rewriteClone, rewriteOverwrite, rewriteSequences } from './rewrites.js';
import { parseObjectName, planAlterSession, planDatabaseDdl, planShow, planUse, planWait, readName } from './commands.js';

export { identifierValue, parseObjectName } from './commands.js';

/** Session names the translation needs (CURRENT_* functions, unqualified SHOW/DESCRIBE). */
export interface SessionNames {
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  role: string | null;
  user: string;
  account: string;
  sessionId: string;
}

/** A name split into its parts, each already resolved for case (unquoted → upper case). */
export type ObjectName = string[];

/** What the engine does with one statement. */
export type Plan =
  | { kind: 'sql'; sql: string; before?: string[] }
  | { kind: 'use'; object: 'warehouse' | 'database' | 'schema' | 'role'; name: ObjectName }
  | { kind: 'wait'; seconds: number; column: string }
  | { kind: 'status'; message: string }
  | { kind: 'createDatabase'; name: string; orReplace: boolean; ifNotExists: boolean }
  | { kind: 'dropDatabase'; name: string; ifExists: boolean }
  | { kind: 'createSchema'; sql: string; name: ObjectName }
  | { kind: 'show'; object: 'tables' | 'views' | 'schemas' | 'databases' | 'columns' | 'warehouses' | 'objects'; like?: string; scope?: ObjectName; scopeKind?: 'database' | 'schema' | 'table' | 'account' }
  | { kind: 'describe'; table: ObjectName }
  | { kind: 'alterSession'; set: Record<string, string | number | boolean>; unset: string[] };

const SESSION_FUNCTIONS = new Set([
  'CURRENT_WAREHOUSE',
  'CURRENT_DATABASE',
  'CURRENT_SCHEMA',
  'CURRENT_ROLE',
  'CURRENT_USER',
  'CURRENT_ACCOUNT',
  'CURRENT_ACCOUNT_NAME',
  'CURRENT_SESSION',
  'CURRENT_REGION',
  'CURRENT_VERSION',
  'CURRENT_CLIENT',
  'CURRENT_ORGANIZATION_NAME',
  'CURRENT_SECONDARY_ROLES',
]);

/** Snowflake functions with a DuckDB equivalent under another name. */
const FUNCTION_RENAMES: Record<string, string> = {
  PARSE_JSON: 'JSON',
  TO_VARIANT: 'TO_JSON',
  TO_OBJECT: 'TO_JSON',
  TO_ARRAY: 'TO_JSON',
  ARRAY_CONSTRUCT: 'JSON_ARRAY',
  OBJECT_CONSTRUCT: 'JSON_OBJECT',
  ARRAY_SIZE: 'JSON_ARRAY_LENGTH',
  IFF: 'IF',
  NVL: 'COALESCE',
  LEN: 'LENGTH',
  SYSDATE: 'NOW',
  GETDATE: 'NOW',
  CHARINDEX: 'INSTR',
};

/** Functions whose first argument is a bare date part (`DATEADD(day, 1, d)`); DuckDB wants a string. */
const DATE_PART_FUNCTIONS = new Set(['DATEADD', 'TIMESTAMPADD', 'DATEDIFF', 'TIMESTAMPDIFF', 'DATE_TRUNC', 'DATE_PART']);

/** Niladic Snowflake functions written with parentheses that DuckDB spells as keywords. */
const KEYWORD_FUNCTIONS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME']);

/** Snowflake type names → DuckDB types (only rewritten in a type position). */
const TYPE_RENAMES: Record<string, string> = {
  TIMESTAMP_NTZ: 'TIMESTAMP',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_TZ: 'TIMESTAMPTZ',
  VARIANT: 'JSON',
  OBJECT: 'JSON',
  ARRAY: 'JSON',
  STRING: 'VARCHAR',
  TEXT: 'VARCHAR',
  CHARACTER: 'VARCHAR',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
  FLOAT: 'DOUBLE',
  FLOAT4: 'DOUBLE',
  FLOAT8: 'DOUBLE',
  REAL: 'DOUBLE',
  'DOUBLE PRECISION': 'DOUBLE',
  BYTEINT: 'TINYINT',
};

/** In column definitions every integer type is NUMBER(38,0) in Snowflake: store 64-bit so values fit. */
const COLUMN_INTEGER_TYPES = new Set(['INT', 'INTEGER', 'SMALLINT', 'TINYINT', 'BYTEINT']);

/** Types whose bare spelling means NUMBER(38,0) in Snowflake (DuckDB's default is DECIMAL(18,3)). */
const NUMBER_TYPES = new Set(['NUMBER', 'NUMERIC', 'DECIMAL']);

const NOT_AN_IDENTIFIER = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'BY', 'ON', 'AS', 'TABLE', 'CREATE', 'ALTER', 'ADD', 'COLUMN', 'REPLACE',
  'IF', 'EXISTS', 'SET', 'INTO', 'VALUES', 'NULL', 'DEFAULT', 'PRIMARY', 'KEY', 'UNIQUE', 'REFERENCES', 'CHECK', 'CONSTRAINT',
  'TEMPORARY', 'TEMP', 'TRANSIENT', 'VOLATILE', 'VIEW', 'MODIFY', 'TYPE', 'DATA', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'IS', 'IN',
]);

/** Plans one statement (already split, no trailing semicolon). */
export function planStatement(sql: string, names: SessionNames): Plan {
  const tokens = tokenize(sql);
  const sig = tokens.filter(isSignificant);
  const words = sig.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : t.text));
  const head = words.slice(0, 4);

  const wait = planWait(tokens);
  if (wait) return wait;

  if (head[0] === 'USE') return planUse(sig.slice(1));
  if (head[0] === 'SHOW') return planShow(sig.slice(1));
  if ((head[0] === 'DESCRIBE' || head[0] === 'DESC') && (head[1] === 'TABLE' || head[1] === 'VIEW')) {
    return { kind: 'describe', table: readName(sig, 2).name };
  }
  if ((head[0] === 'DESCRIBE' || head[0] === 'DESC') && sig[1] && (sig[1].kind === 'word' || sig[1].kind === 'quoted') && head[1] !== 'SELECT') {
    return { kind: 'describe', table: readName(sig, 1).name };
  }
  if (head[0] === 'CREATE' || head[0] === 'DROP') {
    const db = planDatabaseDdl(words, sig);
    if (db) return db;
  }
  if (head[0] === 'ALTER' && head[1] === 'SESSION' && (head[2] === 'SET' || head[2] === 'UNSET')) {
    return planAlterSession(sig.slice(3), head[2] === 'SET');
  }
  if (head[0] === 'ALTER' && (head[1] === 'SESSION' || head[1] === 'WAREHOUSE' || head[1] === 'USER' || head[1] === 'ACCOUNT')) {
    return { kind: 'status', message: 'Statement executed successfully.' };
  }
  if ((head[0] === 'CREATE' || head[0] === 'DROP') && (words.includes('WAREHOUSE') || words.includes('ROLE') || words.includes('USER'))) {
    const obj = words.find((w) => w === 'WAREHOUSE' || w === 'ROLE' || w === 'USER')!;
    return { kind: 'status', message: `${obj[0]}${obj.slice(1).toLowerCase()} successfully ${head[0] === 'CREATE' ? 'created' : 'dropped'}.` };
  }
  if (head[0] === 'GRANT' || head[0] === 'REVOKE') return { kind: 'status', message: 'Statement executed successfully.' };

  // TRANSIENT/VOLATILE tables and schemas are ordinary ones here. So are TEMPORARY tables and views
  // with a qualified name (dbt's `<model>__dbt_tmp`): DuckDB keeps temporary objects in its own
  // catalog, where `DB.SCHEMA.NAME` would not find them.
  const qualifiedTemp = head[0] === 'CREATE' && /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:LOCAL\s+|GLOBAL\s+)?(?:TEMPORARY|TEMP)\s+(?:VIEW|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?[^\s(]*\./i.test(sql);
  const ordinary = qualifiedTemp ? ['TRANSIENT', 'VOLATILE', 'TEMPORARY', 'TEMP', 'LOCAL', 'GLOBAL'] : ['TRANSIENT', 'VOLATILE'];
  const kept = head[0] === 'CREATE' ? dropWords(dropWords(tokens, ordinary, ['TABLE', 'SCHEMA', 'VIEW']), ordinary, ['TEMPORARY', 'TEMP']) : tokens;
  let translated = rewriteSequences(translateTokens(kept, names, head[0] === 'CREATE' || head[0] === 'ALTER'));
  translated = rewriteClone(translated) ?? translated;
  const overwrite = rewriteOverwrite(translated);
  // INSERT OVERWRITE replaces the table's rows: delete them first, in the same statement.
  if (overwrite) return { kind: 'sql', sql: overwrite.sql, before: [`DELETE FROM ${overwrite.target}`] };
  if (head[0] === 'CREATE' && words.includes('SCHEMA') && words.indexOf('SCHEMA') <= 4) {
    let idx = sig.findIndex((t) => t.kind === 'word' && t.text.toUpperCase() === 'SCHEMA') + 1;
    while (sig[idx] && ['IF', 'NOT', 'EXISTS'].includes(sig[idx]!.text.toUpperCase())) idx++;
    return { kind: 'createSchema', sql: translated, name: readName(sig, idx).name };
  }
  return { kind: 'sql', sql: translated };
}

function sessionValue(fn: string, names: SessionNames): string | null {
  switch (fn) {
    case 'CURRENT_WAREHOUSE':
      return names.warehouse;
    case 'CURRENT_DATABASE':
      return names.database;
    case 'CURRENT_SCHEMA':
      return names.schema;
    case 'CURRENT_ROLE':
      return names.role;
    case 'CURRENT_USER':
      return names.user;
    case 'CURRENT_ACCOUNT':
    case 'CURRENT_ACCOUNT_NAME':
      return names.account;
    case 'CURRENT_SESSION':
      return names.sessionId;
    case 'CURRENT_REGION':
      return 'LOCAL_EMULATOR';
    case 'CURRENT_VERSION':
      return '8.48.0';
    case 'CURRENT_CLIENT':
      return 'snowtrail-emulator';
    case 'CURRENT_ORGANIZATION_NAME':
      return names.account.split('-')[0] ?? names.account;
    case 'CURRENT_SECONDARY_ROLES':
      return '{"roles":"","value":""}';
    default:
      return null;
  }
}

/**
 * Rewrites the tokens of a DuckDB-bound statement: upper-cases unquoted identifiers (Snowflake
 * resolves them upper case, so answers name columns in upper case), replaces CURRENT_* functions
 * with the session's values, renames functions and types, turns `:1` binds into `$1`, resolves
 * IDENTIFIER('...') and re-quotes strings that use backslash escapes.
 */
export function translateTokens(tokens: Token[], names: SessionNames, isDdl: boolean): string {
  const out: string[] = [];
  const sigIdx = tokens.map((t, i) => (isSignificant(t) ? i : -1)).filter((i) => i >= 0);
  const parenFns: string[] = [];
  let prevSig: Token | undefined;
  let prevPrevSig: Token | undefined;
  const nextSig = (i: number, k = 1): Token | undefined => {
    const pos = sigIdx.indexOf(i);
    const j = sigIdx[pos + k];
    return j === undefined ? undefined : tokens[j];
  };
  const skipUntil = new Set<number>();
  const asLiteral = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (skipUntil.has(i)) continue;
    const t = tokens[i]!;
    let text = t.text;
    if (asLiteral.has(i)) {
      out.push(quoteLiteral(t.text.toUpperCase()));
      prevPrevSig = prevSig;
      prevSig = t;
      continue;
    }
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase();
      const n1 = nextSig(i);
      const n2 = nextSig(i, 2);
      const isCall = n1?.text === '(' && n2?.text === ')';
      const afterDot = prevSig?.text === '.';
      if (!afterDot && SESSION_FUNCTIONS.has(upper) && (isCall || upper === 'CURRENT_USER' || upper === 'CURRENT_ROLE')) {
        const v = sessionValue(upper, names);
        text = v === null ? 'CAST(NULL AS VARCHAR)' : quoteLiteral(v);
        if (isCall) skipTokensThrough(tokens, sigIdx, i, 2, skipUntil);
      } else if (!afterDot && KEYWORD_FUNCTIONS.has(upper) && isCall) {
        text = upper;
        skipTokensThrough(tokens, sigIdx, i, 2, skipUntil);
      } else if (!afterDot && upper === 'IDENTIFIER' && n1?.text === '(' && n2?.kind === 'string' && nextSig(i, 3)?.text === ')') {
        text = parseObjectName(unquoteString(n2.text)).map(quoteIdentifier).join('.');
        skipTokensThrough(tokens, sigIdx, i, 3, skipUntil);
      } else if (!afterDot && n1?.text === '(' && FUNCTION_RENAMES[upper]) {
        text = FUNCTION_RENAMES[upper]!;
      } else if (!afterDot && n1?.text === '(' && DATE_PART_FUNCTIONS.has(upper) && n2?.kind === 'word' && nextSig(i, 3)?.text === ',') {
        text = upper;
        asLiteral.add(sigIdx[sigIdx.indexOf(i) + 2]!);
      } else if (isTypePosition(prevSig, prevPrevSig, parenFns, isDdl)) {
        const isColumnDef = prevSig?.text !== '::' && !(prevSig?.kind === 'word' && prevSig.text.toUpperCase() === 'AS');
        text = isColumnDef && COLUMN_INTEGER_TYPES.has(upper) ? 'BIGINT' : translateType(upper, n1, tokens[i + 1]);
      } else {
        text = upper;
      }
    } else if (t.kind === 'param' && t.text.startsWith(':')) {
      text = `$${t.text.slice(1)}`;
    } else if (t.kind === 'string' && (t.text.includes('\\') || t.text.startsWith('$$'))) {
      text = quoteLiteral(unquoteString(t.text));
    }
    if (t.kind === 'punct' && t.text === '(') parenFns.push(prevSig?.kind === 'word' ? prevSig.text.toUpperCase() : '');
    if (t.kind === 'punct' && t.text === ')') parenFns.pop();
    out.push(text);
    if (isSignificant(t)) {
      prevPrevSig = prevSig;
      prevSig = t;
    }
  }
  return out.join('');
}

/** Removes the given words when the next significant word is one of `before` (e.g. TRANSIENT before TABLE). */
function dropWords(tokens: Token[], words: string[], before: string[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word' && words.includes(t.text.toUpperCase())) {
      const next = tokens.slice(i + 1).find(isSignificant);
      if (next && before.includes(next.text.toUpperCase())) {
        if (tokens[i + 1]?.kind === 'space') i++;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

function skipTokensThrough(tokens: Token[], sigIdx: number[], i: number, count: number, skip: Set<number>): void {
  const pos = sigIdx.indexOf(i);
  const last = sigIdx[pos + count]!;
  for (let k = i + 1; k <= last; k++) skip.add(k);
  void tokens;
}

function isTypePosition(prev: Token | undefined, prevPrev: Token | undefined, parenFns: string[], isDdl: boolean): boolean {
  if (!prev) return false;
  if (prev.text === '::') return true;
  const inner = parenFns[parenFns.length - 1];
  if (prev.kind === 'word' && prev.text.toUpperCase() === 'AS' && (inner === 'CAST' || inner === 'TRY_CAST')) return true;
  if (!isDdl) return false;
  // Column definition: `<name> <type>` right after `(` or `,` (CREATE TABLE, ALTER TABLE ADD COLUMN).
  const prevIsName = prev.kind === 'quoted' || (prev.kind === 'word' && !NOT_AN_IDENTIFIER.has(prev.text.toUpperCase()));
  if (!prevIsName) return false;
  const pp = prevPrev?.text.toUpperCase();
  return pp === '(' || pp === ',' || pp === 'COLUMN' || pp === 'ADD';
}

function translateType(upper: string, next: Token | undefined, immediateNext: Token | undefined): string {
  if (NUMBER_TYPES.has(upper)) return next?.text === '(' ? 'DECIMAL' : 'DECIMAL(38,0)';
  if (upper === 'ARRAY' && (immediateNext?.text === '[' || next?.text === '(')) return upper;
  return TYPE_RENAMES[upper] ?? upper;
}
