import { locationOf } from './classify-dml.js';
import { textOf, type ClassifyEnv } from './classify-env.js';
import { parseName, qualify, renderPart, type NamePart } from './object-names.js';
import { parseObjectKind, parseObjectKindByName, renderObject } from './object-types.js';
import { scanReads } from './query-reads.js';
import { findWord, isOp, skipGroup, skipIfExists, skipWords, wordAt } from './token-cursor.js';

/** Handlers for CREATE, ALTER, DROP/UNDROP, GRANT/REVOKE and COMMENT. */

const CREATE_MODIFIERS = new Set(['TEMPORARY', 'TEMP', 'TRANSIENT', 'LOCAL', 'GLOBAL', 'VOLATILE', 'SECURE', 'RECURSIVE', 'FORCE']);

/**
 * Where a CREATE's query body starts: the top-level `AS` followed by a query (`AS SELECT`, `AS WITH`,
 * `AS (…)`), or the end. Options are read only before it, so a column, alias, table name or string
 * in the body (`… AS SELECT url FROM raw.public.accounts WHERE url = 's3://…'`) is never an option.
 */
export function queryBodyStart(env: ClassifyEnv, from: number): number {
  const t = env.tokens;
  let as = findWord(t, from, ['AS']);
  while (as >= 0) {
    const next = wordAt(t, as + 1);
    if (next === 'SELECT' || next === 'WITH' || next === 'VALUES' || isOp(t, as + 1, '(')) return as;
    as = findWord(t, as + 1, ['AS']);
  }
  return t.length;
}

/** True when the word at `i` is an option name: not part of a dotted name and followed by `=`. */
function isOptionAt(env: ClassifyEnv, i: number): boolean {
  return isOp(env.tokens, i + 1, '=') && !isOp(env.tokens, i - 1, '.');
}

/** Locations named in `URL = '…'` or `…_ALLOWED_LOCATIONS = ('…', …)` / `API_ALLOWED_PREFIXES`, in [from, to). */
function addOptionLocations(env: ClassifyEnv, from: number, to = env.tokens.length): void {
  const t = env.tokens;
  for (let i = from; i < to; i++) {
    const w = wordAt(t, i);
    if (w === undefined || !isOptionAt(env, i)) continue;
    if (w === 'URL' || w === 'STORAGE_BASE_URL') {
      const loc = locationOf(t[i + 2], env);
      if (loc !== undefined) env.b.writes.add(loc);
    } else if (w.endsWith('ALLOWED_LOCATIONS') || w.endsWith('ALLOWED_PREFIXES')) {
      const end = isOp(t, i + 2, '(') ? skipGroup(t, i + 2) : i + 3;
      for (let j = i + 2; j < end; j++) {
        const loc = locationOf(t[j], env);
        if (loc !== undefined) env.b.writes.add(loc);
      }
    } else if (w === 'EXTERNAL_VOLUME') {
      // Iceberg data written through an external volume lands in storage outside Snowflake.
      const v = t[i + 2];
      const name = v?.kind === 'string' ? v.value.toUpperCase() : parseName(t, i + 2)?.parts.slice(-3).map((p) => qualify([p], 'account', env.ctx)).join('.');
      if (name !== undefined && name !== '') env.b.writes.add(`external-volume://${name}`);
    } else if (w === 'STORAGE_INTEGRATION' || w === 'API_INTEGRATION' || w === 'EXTERNAL_ACCESS_INTEGRATIONS') {
      // the integrations an object uses are read (they are account-level objects)
      const end = isOp(t, i + 2, '(') ? skipGroup(t, i + 2) : i + 3;
      for (let j = isOp(t, i + 2, '(') ? i + 3 : i + 2; j < end; j++) {
        const name = parseName(t, j);
        if (name !== undefined) env.b.reads.add(qualify(name.parts, 'account', env.ctx));
      }
    }
  }
}

/**
 * Accounts outside ours that a share, replication or failover group, or database replication opens
 * to (`ADD ACCOUNTS = org.acct`, `ALLOWED_ACCOUNTS = …`, `ENABLE REPLICATION TO ACCOUNTS …`). They are
 * recorded as written locations `account://ORG.ACCT`, so `decide` treats them as exfiltration.
 */
function addAccountTargets(env: ClassifyEnv, from: number, to = env.tokens.length): void {
  const t = env.tokens;
  for (let i = from; i < to; i++) {
    const w = wordAt(t, i);
    if (w !== 'ACCOUNTS' && w !== 'ALLOWED_ACCOUNTS') continue;
    if (isOp(t, i - 1, '.')) continue; // part of a name (raw.public.accounts), not an option
    const introduced = isOp(t, i + 1, '=') || ['ADD', 'REMOVE', 'TO', 'SET'].includes(wordAt(t, i - 1) ?? '');
    if (!introduced) continue;
    let j = isOp(t, i + 1, '=') ? i + 2 : i + 1;
    if (isOp(t, j, '(')) j++;
    for (;;) {
      const name = parseName(t, j);
      if (name === undefined) break;
      env.b.writes.add(`account://${name.parts.slice(-3).map((p) => qualify([p], 'account', env.ctx)).join('.')}`);
      if (!isOp(t, name.next, ',')) break;
      j = name.next + 1;
    }
  }
}

/** A listing publishes data beyond this account (marketplace or other accounts): `listing://NAME`. */
function addListing(env: ClassifyEnv, kindName: string, parts: readonly NamePart[]): void {
  if (kindName === 'LISTING' || kindName === 'ORGANIZATION LISTING') env.b.writes.add(`listing://${qualify(parts, 'account', env.ctx)}`);
}

/** Object kinds whose every CREATE or ALTER opens or widens a path out of the account. */
const EGRESS_KINDS = new Set(['REPLICATION GROUP', 'FAILOVER GROUP', 'EXTERNAL VOLUME', 'CONNECTION', 'LISTING', 'ORGANIZATION LISTING', 'NETWORK RULE']);
/** User options that hand a credential (and so control of the account) to whoever holds it. */
const CREDENTIAL_WORDS = new Set(['RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2', 'PASSWORD', 'PROGRAMMATIC', 'PAT']);

/**
 * Mark the statement as opening a path out of the account (`egress`, guarded like exfiltration):
 * replication and failover groups, external volumes, connections, listings, network rules; a
 * database enabled for replication or failover; a credential set on or added to a user; code given
 * external access integrations.
 */
function markEgress(env: ClassifyEnv, kindName: string, from: number): void {
  const t = env.tokens;
  // Code given EXTERNAL_ACCESS_INTEGRATIONS (a UDF, procedure, service, notebook …) can send
  // whatever it reads to the hosts those integrations allow.
  if (findWord(t, from, ['EXTERNAL_ACCESS_INTEGRATIONS']) >= 0) env.b.egress = 'EXTERNAL ACCESS';
  if (EGRESS_KINDS.has(kindName)) env.b.egress = kindName;
  else if (kindName === 'DATABASE' && findWord(t, from, ['REPLICATION', 'FAILOVER']) >= 0 && findWord(t, from, ['ENABLE']) >= 0) env.b.egress = 'DATABASE REPLICATION';
  else if (kindName === 'USER') {
    for (let i = from; i < t.length; i++) {
      if (CREDENTIAL_WORDS.has(wordAt(t, i) ?? '') && !isOp(t, i - 1, '.')) env.b.egress = 'USER CREDENTIAL';
    }
  }
}

/** Classify the body after `AS` of a task, pipe or SQL procedure; attached, not merged (it runs later). */
function addBody(env: ClassifyEnv, asIndex: number): void {
  const body = env.tokens[asIndex + 1];
  if (body === undefined) return;
  if (body.kind === 'string') env.b.addInner(env.classifyText(body.value), 'body', false);
  else {
    env.b.addInner(env.classifyText(textOf(env, asIndex + 1, env.tokens.length)), 'body', false);
    env.b.bodyCoversRest = true;
  }
}

/**
 * Snowflake makes a newly created database or schema the current one (as USE would). With IF NOT
 * EXISTS, or a name not visible here, whether it switched is not known: the part becomes `"?"`.
 */
function createdContext(env: ClassifyEnv, kind: 'SCHEMA' | 'DATABASE', parts: readonly NamePart[], unknown: boolean): { database?: string | undefined; schema?: string | undefined } {
  if (kind === 'DATABASE') return unknown ? { database: UNKNOWN_PART, schema: UNKNOWN_PART } : { database: renderPart(parts[parts.length - 1]!), schema: 'PUBLIC' };
  const database = parts.length >= 2 ? renderPart(parts[parts.length - 2]!) : env.ctx.database;
  return unknown ? { database: parts.length >= 2 ? UNKNOWN_PART : database, schema: UNKNOWN_PART } : { database, schema: renderPart(parts[parts.length - 1]!) };
}

/** The context part that is not known statically (rendered `"?"`, matching no concrete pattern). */
const UNKNOWN_PART = '"?"';

/** CREATE [OR REPLACE] [modifiers] <kind> [IF NOT EXISTS] <name> …. */
export function classifyCreate(env: ClassifyEnv): void {
  const t = env.tokens;
  let i = 1;
  i = skipWords(t, i, ['OR', 'REPLACE']);
  i = skipWords(t, i, ['OR', 'ALTER']);
  while (CREATE_MODIFIERS.has(wordAt(t, i) ?? '')) i++;
  const parsed = parseObjectKind(t, i);
  if (parsed === undefined) {
    env.b.cls = 'CREATE_OTHER';
    env.b.writes.add(UNNAMED);
    scanReads(t, i, t.length, env.ctx, env.b.reads);
    return;
  }
  const kind = parsed.kind;
  env.b.cls = kind.create;
  const ifNotExists = skipWords(t, parsed.next, ['IF', 'NOT', 'EXISTS']) !== parsed.next;
  i = skipIfExists(t, parsed.next);
  const name = parseName(t, i);
  if (name === undefined) {
    env.b.writes.add(UNNAMED);
    return;
  }
  env.b.writes.add(renderObject(name.parts, kind, env.ctx));
  if (kind.name === 'SCHEMA' || kind.name === 'DATABASE') env.b.createdContext = createdContext(env, kind.name, name.parts, ifNotExists || name.unresolved !== undefined);
  const rest = name.next;
  const body = kind.family === 'table' || kind.family === 'view' ? queryBodyStart(env, rest) : t.length;
  addAccountTargets(env, rest, body);
  addListing(env, kind.name, name.parts);
  markEgress(env, kind.name, rest);
  switch (kind.family) {
    case 'table':
    case 'view':
    case 'schema':
    case 'database': {
      const src = findWord(t, rest, ['CLONE', 'LIKE'], body);
      if (src >= 0) {
        const from = parseName(t, src + 1);
        if (from !== undefined) env.b.reads.add(renderObject(from.parts, kind, env.ctx));
      }
      const share = findWord(t, rest, ['SHARE'], body);
      if (kind.family === 'database' && share >= 0 && wordAt(t, share - 1) === 'FROM') {
        const from = parseName(t, share + 1);
        if (from !== undefined) env.b.reads.add(from.parts.slice(-3).map((p) => qualify([p], 'account', env.ctx)).join('.'));
      }
      if (kind.family === 'table' || kind.family === 'view') scanReads(t, rest, t.length, env.ctx, env.b.reads);
      if (kind.family === 'table') addOptionLocations(env, rest, body);
      return;
    }
    case 'function': {
      // An external function sends its arguments to a remote endpoint: record it as a written location.
      if (kind.name === 'EXTERNAL FUNCTION') {
        const as = findWord(t, rest, ['AS']);
        const url = as >= 0 ? locationOf(t[as + 1], env) : undefined;
        if (url !== undefined) env.b.writes.add(url);
      }
      addOptionLocations(env, rest);
      return;
    }
    case 'stage':
    case 'integration':
      addOptionLocations(env, rest);
      return;
    case 'procedure': {
      const lang = findWord(t, rest, ['LANGUAGE']);
      const language = lang >= 0 ? wordAt(t, lang + 1) : 'SQL';
      const as = findWord(t, rest, ['AS']);
      if (language === 'SQL' && as >= 0) addBody(env, as);
      return;
    }
    case 'task':
    case 'pipe': {
      const as = findWord(t, rest, ['AS']);
      if (as >= 0) addBody(env, as);
      // a task's WHEN condition may read
      scanReads(t, rest, as >= 0 ? as : t.length, env.ctx, env.b.reads);
      return;
    }
    case 'stream': {
      const on = findWord(t, rest, ['ON']);
      const target = on >= 0 ? parseObjectKind(t, on + 1) : undefined;
      const src = target !== undefined ? parseName(t, target.next) : undefined;
      if (src !== undefined) env.b.reads.add(renderObject(src.parts, target?.kind, env.ctx));
      return;
    }
    default:
      addOptionLocations(env, rest);
      scanReads(t, rest, t.length, env.ctx, env.b.reads);
  }
}

/**
 * ALTER SESSION SET a = 1, b = 'x' / UNSET a, b: each parameter is written as `session://A`, so a
 * rule can allow exactly the parameters a pipeline sets (`session://QUERY_TAG`). Setting
 * SEARCH_PATH is also flagged (decide guards it).
 */
function addSessionParameters(env: ClassifyEnv, from: number): void {
  const t = env.tokens;
  const verb = wordAt(t, from);
  if (verb !== 'SET' && verb !== 'UNSET') return;
  let depth = 0;
  for (let i = from + 1; i < t.length; i++) {
    if (isOp(t, i, '(')) depth++;
    else if (isOp(t, i, ')')) depth = Math.max(0, depth - 1);
    const w = wordAt(t, i);
    if (depth > 0 || w === undefined) continue;
    const isParam = verb === 'SET' ? isOp(t, i + 1, '=') : isOp(t, i - 1, ',') || i === from + 1;
    if (!isParam) continue;
    env.b.writes.add(`session://${w}`);
    if (verb === 'SET' && w === 'SEARCH_PATH') env.b.changesSearchPath = true;
    if (w === 'QUOTED_IDENTIFIERS_IGNORE_CASE') {
      env.b.changesIdentifierCase = true;
      const value = verb === 'SET' ? wordAt(t, i + 2) : undefined;
      env.b.identifierCaseAfter = value === 'TRUE' ? true : value === 'FALSE' ? false : undefined;
    }
  }
}

/** ALTER <kind> [IF EXISTS] <name> …, including RENAME TO / SWAP WITH and ALTER TASK … MODIFY AS. */
export function classifyAlter(env: ClassifyEnv): void {
  const t = env.tokens;
  const parsed = parseObjectKind(t, 1);
  if (parsed === undefined) {
    env.b.cls = 'ALTER_OTHER';
    env.b.writes.add(UNNAMED);
    return;
  }
  const kind = parsed.kind;
  env.b.cls = kind.alter;
  if (kind.name === 'SESSION') return addSessionParameters(env, parsed.next);
  if (kind.name === 'ACCOUNT') {
    env.b.writes.add('ACCOUNT');
    return;
  }
  const name = parseName(t, skipIfExists(t, parsed.next));
  if (name === undefined) {
    env.b.writes.add(UNNAMED);
    return;
  }
  env.b.writes.add(renderObject(name.parts, kind, env.ctx));
  addListing(env, kind.name, name.parts);
  const rest = name.next;
  markEgress(env, kind.name, rest);
  const rename = findWord(t, rest, ['RENAME', 'SWAP']);
  if (rename >= 0 && (wordAt(t, rename + 1) === 'TO' || wordAt(t, rename + 1) === 'WITH')) {
    const other = parseName(t, rename + 2);
    if (other !== undefined) env.b.writes.add(renderObject(other.parts, kind, env.ctx));
  }
  if (kind.family === 'stage' || kind.family === 'integration') addOptionLocations(env, rest);
  addAccountTargets(env, rest);
  if (kind.family === 'task' || kind.family === 'pipe') {
    const as = findWord(t, rest, ['AS']);
    if (as >= 0) addBody(env, as);
  }
}

/** DROP / UNDROP <kind> [IF EXISTS] <name>. */
export function classifyDrop(env: ClassifyEnv, cls: 'DROP' | 'UNDROP'): void {
  env.b.cls = cls;
  const parsed = parseObjectKind(env.tokens, 1);
  const name = parseName(env.tokens, skipIfExists(env.tokens, parsed?.next ?? 1));
  env.b.writes.add(name !== undefined ? renderObject(name.parts, parsed?.kind, env.ctx) : UNNAMED);
}

/** The object a GRANT/REVOKE is ON, rendered; undefined for ON ACCOUNT or role grants. */
function grantObject(env: ClassifyEnv, on: number): string | undefined {
  const t = env.tokens;
  let i = on + 1;
  if (wordAt(t, i) === 'ALL' || wordAt(t, i) === 'FUTURE') {
    // ON ALL|FUTURE TABLES IN SCHEMA s / IN DATABASE d: the container is the object.
    const inIdx = findWord(t, i, ['IN']);
    if (inIdx < 0) return undefined;
    const container = parseObjectKind(t, inIdx + 1);
    const name = container ? parseName(t, container.next) : undefined;
    return name ? renderObject(name.parts, container?.kind, env.ctx) : undefined;
  }
  const parsed = parseObjectKind(t, i);
  if (parsed?.kind.name === 'ACCOUNT') return 'ACCOUNT';
  i = parsed?.next ?? i;
  const name = parseName(t, i);
  return name ? renderObject(name.parts, parsed?.kind, env.ctx) : undefined;
}

/** GRANT/REVOKE: the object whose privileges change is written; GRANT … TO SHARE is ALTER_SHARE. */
export function classifyGrant(env: ClassifyEnv, verb: 'GRANT' | 'REVOKE'): void {
  const t = env.tokens;
  env.b.cls = verb;
  const on = findWord(t, 1, ['ON']);
  const object = on >= 0 ? grantObject(env, on) : undefined;
  const to = findWord(t, on >= 0 ? on : 1, verb === 'GRANT' ? ['TO'] : ['FROM']);
  if (to >= 0 && wordAt(t, to + 1) === 'SHARE') {
    const share = parseName(t, to + 2);
    if (verb === 'GRANT') {
      // Granting an object to a share exposes it to other accounts: an exfiltration path.
      env.b.cls = 'ALTER_SHARE';
      if (object !== undefined) env.b.reads.add(object);
    } else if (object !== undefined) env.b.writes.add(object);
    if (share !== undefined) env.b.writes.add(qualify(share.parts, 'account', env.ctx));
    return;
  }
  if (object !== undefined) env.b.writes.add(object);
  // GRANT ROLE r / DATABASE ROLE d.r TO …: the role granted is changed too
  if (on < 0) {
    const roleKind = parseObjectKind(t, 1);
    const role = roleKind?.kind.family === 'role' ? parseName(t, roleKind.next) : undefined;
    if (role !== undefined) env.b.writes.add(renderObject(role.parts, roleKind?.kind, env.ctx));
  }
  // …and so are the grantee's privileges
  if (to >= 0) {
    const granteeKind = parseObjectKind(t, to + 1);
    const grantee = parseName(t, granteeKind?.next ?? to + 1);
    if (grantee !== undefined) env.b.writes.add(renderObject(grantee.parts, granteeKind?.kind ?? ACCOUNT_LEVEL, env.ctx));
  }
  if (env.b.writes.size === 0) env.b.writes.add(UNNAMED);
}

/** The object name reported when a modifying statement's object cannot be named. */
const UNNAMED = '?';
const ACCOUNT_LEVEL = parseObjectKindByName('ROLE');

/** COMMENT [IF EXISTS] ON <kind> <name> IS '…'. */
export function classifyComment(env: ClassifyEnv): void {
  env.b.cls = 'COMMENT';
  const t = env.tokens;
  const on = findWord(t, 1, ['ON']);
  const parsed = on >= 0 ? parseObjectKind(t, on + 1) : undefined;
  const name = on >= 0 ? parseName(t, parsed?.next ?? on + 1) : undefined;
  env.b.writes.add(name !== undefined ? renderObject(name.parts, parsed?.kind, env.ctx) : UNNAMED);
}
