/** Planners of the statements the emulator answers itself: USE, SHOW, ALTER SESSION, database DDL. Pure. */
import { isSignificant, tokenize, unquoteIdentifier, unquoteString, type Token } from './lexer.js';
import type { ObjectName, Plan } from './translate.js';

/** Seconds per SYSTEM$WAIT unit. */
export function unitSeconds(unit: string | undefined): number {
  switch ((unit ?? 'SECONDS').toUpperCase()) {
    case 'MILLISECONDS':
      return 0.001;
    case 'MINUTES':
      return 60;
    case 'HOURS':
      return 3600;
    default:
      return 1;
  }
}

/** Plans `SELECT|CALL SYSTEM$WAIT(n [, 'unit'])` alone in its statement; undefined for anything else. */
export function planWait(tokens: Token[]): Plan | undefined {
  const at = tokens.map((t, i) => (isSignificant(t) ? i : -1)).filter((i) => i >= 0);
  const sig = at.map((i) => tokens[i]!);
  const word = (k: number): string | undefined => (sig[k]?.kind === 'word' ? sig[k]!.text.toUpperCase() : undefined);
  const verb = word(0);
  if ((verb !== 'SELECT' && verb !== 'CALL') || word(1) !== 'SYSTEM$WAIT' || sig[2]?.text !== '(') return undefined;
  if (sig[3]?.kind !== 'number' || !/^[0-9.]+$/.test(sig[3].text)) return undefined;
  let k = 4;
  let unit: string | undefined;
  if (sig[k]?.text === ',' && sig[k + 1]?.kind === 'string') {
    unit = unquoteString(sig[k + 1]!.text);
    if (!/^\w+$/.test(unit)) return undefined;
    k += 2;
  }
  if (sig[k]?.text !== ')') return undefined;
  const rest = sig.slice(k + 1);
  if (rest.length > 1 || (rest.length === 1 && rest[0]!.text !== ';')) return undefined;
  // Snowflake names the column SYSTEM$WAIT for CALL and after the expression for SELECT.
  const call = tokens.slice(at[1], at[k]! + 1).map((t) => t.text).join('');
  const column = verb === 'CALL' ? 'SYSTEM$WAIT' : call.replace(/^system\$wait/i, 'SYSTEM$WAIT');
  return { kind: 'wait', seconds: Number(sig[3].text) * unitSeconds(unit), column };
}

/** Resolves one identifier token: unquoted → upper case, quoted → as written. */
export function identifierValue(t: Token): string {
  if (t.kind === 'quoted') return unquoteIdentifier(t.text);
  if (t.kind === 'string') return unquoteString(t.text);
  return t.text.toUpperCase();
}

/** Reads a dotted name starting at sig[index]; returns its parts and the index after it. */
export function readName(sig: Token[], index: number): { name: ObjectName; next: number } {
  const parts: string[] = [];
  let i = index;
  while (sig[i] && (sig[i]!.kind === 'word' || sig[i]!.kind === 'quoted')) {
    parts.push(identifierValue(sig[i]!));
    if (sig[i + 1]?.text === '.') i += 2;
    else {
      i += 1;
      break;
    }
  }
  return { name: parts, next: i };
}

/** Parses an identifier string such as `db.schema."Tbl"` (IDENTIFIER('...'), USE targets). */
export function parseObjectName(text: string): ObjectName {
  return readName(tokenize(text).filter(isSignificant), 0).name;
}

/** Plans `USE [WAREHOUSE|DATABASE|SCHEMA|ROLE] name`. */
export function planUse(rest: Token[]): Plan {
  const first = rest[0]?.kind === 'word' ? rest[0].text.toUpperCase() : undefined;
  const objects = ['WAREHOUSE', 'DATABASE', 'SCHEMA', 'ROLE'] as const;
  const object = objects.find((o) => o === first);
  if (object) return { kind: 'use', object: object.toLowerCase() as Lowercase<typeof object>, name: readName(rest, 1).name };
  if (first === 'SECONDARY') return { kind: 'status', message: 'Statement executed successfully.' };
  const name = readName(rest, 0).name;
  // `USE x` is USE DATABASE; `USE x.y` is USE SCHEMA (Snowflake docs, USE <object>).
  return { kind: 'use', object: name.length > 1 ? 'schema' : 'database', name };
}

/** Plans `SHOW [TERSE] <objects> [LIKE '…'] [IN …]`. */
export function planShow(rest: Token[]): Plan {
  let i = 0;
  const word = (k: number): string | undefined => (rest[k] && rest[k]!.kind === 'word' ? rest[k]!.text.toUpperCase() : undefined);
  if (word(i) === 'TERSE') i++;
  const what = word(i);
  i++;
  const map: Record<string, Extract<Plan, { kind: 'show' }>['object']> = {
    TABLES: 'tables',
    VIEWS: 'views',
    SCHEMAS: 'schemas',
    DATABASES: 'databases',
    COLUMNS: 'columns',
    WAREHOUSES: 'warehouses',
    OBJECTS: 'objects',
  };
  const object = what ? map[what] : undefined;
  if (!object) return { kind: 'status', message: 'Statement executed successfully.' };
  const plan: Extract<Plan, { kind: 'show' }> = { kind: 'show', object };
  if (word(i) === 'LIKE' && rest[i + 1]?.kind === 'string') {
    plan.like = unquoteString(rest[i + 1]!.text);
    i += 2;
  }
  if (word(i) === 'IN') {
    i++;
    const kind = word(i);
    if (kind === 'ACCOUNT') plan.scopeKind = 'account';
    else {
      if (kind === 'DATABASE' || kind === 'SCHEMA' || kind === 'TABLE' || kind === 'VIEW') {
        plan.scopeKind = kind === 'VIEW' ? 'table' : (kind.toLowerCase() as 'database' | 'schema' | 'table');
        i++;
      }
      const { name } = readName(rest, i);
      plan.scope = name;
      if (!plan.scopeKind) plan.scopeKind = object === 'columns' ? 'table' : name.length >= 2 ? 'schema' : object === 'schemas' ? 'database' : 'schema';
    }
  }
  return plan;
}

/** `ALTER SESSION SET A = 1, B = 'x'` / `ALTER SESSION UNSET A, B`: parameter names upper case. */
export function planAlterSession(rest: Token[], isSet: boolean): Plan {
  const set: Record<string, string | number | boolean> = {};
  const unset: string[] = [];
  let i = 0;
  while (i < rest.length) {
    const name = rest[i];
    if (!name || name.kind !== 'word') break;
    if (!isSet) {
      unset.push(name.text.toUpperCase());
      i += rest[i + 1]?.text === ',' ? 2 : 1;
      continue;
    }
    if (rest[i + 1]?.text !== '=' || !rest[i + 2]) break;
    const v = rest[i + 2]!;
    const upper = v.text.toUpperCase();
    set[name.text.toUpperCase()] =
      v.kind === 'string' ? unquoteString(v.text) : v.kind === 'number' ? Number(v.text) : upper === 'TRUE' ? true : upper === 'FALSE' ? false : v.text;
    i += rest[i + 3]?.text === ',' ? 4 : 3;
  }
  return { kind: 'alterSession', set, unset };
}

/** Plans `CREATE [OR REPLACE] DATABASE` / `DROP DATABASE`; undefined for other DDL. */
export function planDatabaseDdl(words: string[], sig: Token[]): Plan | undefined {
  let i = 1;
  let orReplace = false;
  if (words[0] === 'CREATE' && words[1] === 'OR' && words[2] === 'REPLACE') {
    orReplace = true;
    i = 3;
  }
  if (words[i] === 'TRANSIENT') i++;
  if (words[i] !== 'DATABASE') return undefined;
  i++;
  let ifNotExists = false;
  let ifExists = false;
  if (words[i] === 'IF' && words[i + 1] === 'NOT' && words[i + 2] === 'EXISTS') {
    ifNotExists = true;
    i += 3;
  } else if (words[i] === 'IF' && words[i + 1] === 'EXISTS') {
    ifExists = true;
    i += 2;
  }
  const name = readName(sig, i).name[0];
  if (!name) return undefined;
  return words[0] === 'CREATE' ? { kind: 'createDatabase', name, orReplace, ifNotExists } : { kind: 'dropDatabase', name, ifExists };
}
