import { locationOf } from './classify-dml.js';
import { textOf, type ClassifyEnv } from './classify-env.js';
import { parseName, qualify, type NamePart } from './object-names.js';
import { parseObjectKind, parseObjectKindByName, renderObject } from './object-types.js';
import { scanReads } from './query-reads.js';
import { findWord, isOp, skipGroup, skipIfExists, skipWords, wordAt } from './token-cursor.js';

/** Handlers for CREATE, ALTER, DROP/UNDROP, GRANT/REVOKE and COMMENT. */

const CREATE_MODIFIERS = new Set(['TEMPORARY', 'TEMP', 'TRANSIENT', 'LOCAL', 'GLOBAL', 'VOLATILE', 'SECURE', 'RECURSIVE', 'FORCE']);

/** Locations named in `URL = '…'` or `…_ALLOWED_LOCATIONS = ('…', …)` / `API_ALLOWED_PREFIXES`. */
function addOptionLocations(env: ClassifyEnv, from: number): void {
  const t = env.tokens;
  for (let i = from; i < t.length; i++) {
    const w = wordAt(t, i);
    if (w === undefined || !isOp(t, i + 1, '=')) continue;
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
function addAccountTargets(env: ClassifyEnv, from: number): void {
  const t = env.tokens;
  for (let i = from; i < t.length; i++) {
    const w = wordAt(t, i);
    if (w !== 'ACCOUNTS' && w !== 'ALLOWED_ACCOUNTS') continue;
    let j = isOp(t, i + 1, '=') ? i + 2 : i + 1;
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
  i = skipIfExists(t, parsed.next);
  const name = parseName(t, i);
  if (name === undefined) {
    env.b.writes.add(UNNAMED);
    return;
  }
  env.b.writes.add(renderObject(name.parts, kind, env.ctx));
  const rest = name.next;
  addAccountTargets(env, rest);
  addListing(env, kind.name, name.parts);
  switch (kind.family) {
    case 'table':
    case 'view':
    case 'schema':
    case 'database': {
      const src = findWord(t, rest, ['CLONE', 'LIKE']);
      if (src >= 0) {
        const from = parseName(t, src + 1);
        if (from !== undefined) env.b.reads.add(renderObject(from.parts, kind, env.ctx));
      }
      const share = findWord(t, rest, ['SHARE']);
      if (kind.family === 'database' && share >= 0 && wordAt(t, share - 1) === 'FROM') {
        const from = parseName(t, share + 1);
        if (from !== undefined) env.b.reads.add(from.parts.slice(-3).map((p) => qualify([p], 'account', env.ctx)).join('.'));
      }
      if (kind.family === 'table' || kind.family === 'view') scanReads(t, rest, t.length, env.ctx, env.b.reads);
      if (kind.family === 'table') addOptionLocations(env, rest);
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
