/**
 * The user statements that manage workload identities, answered by the emulator itself:
 * `CREATE [OR REPLACE] USER [IF NOT EXISTS] u … WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = '…' SUBJECT = '…' [OIDC_AUDIENCE_LIST = (…)])`,
 * `ALTER USER u ADD WORKLOAD IDENTITY [name] (…)`, `ALTER USER u REMOVE WORKLOAD IDENTITY name`,
 * `ALTER USER u SET WORKLOAD_IDENTITY = (…)`, `ALTER USER u UNSET WORKLOAD_IDENTITY`, `DROP USER`,
 * and `SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS [FOR USER u]`.
 * Parsing is pure; `applyUserStatement` changes the user table the login checks read.
 */
import { SnowflakeError } from '../errors.js';
import { isSignificant, quoteLiteral, tokenize, unquoteString, type Token } from '../sql/lexer.js';
import { identifierValue } from '../sql/commands.js';
import type { WorkloadIdentity } from './workload-identity.js';

/** A parsed user statement. */
export type UserStatement =
  | { kind: 'create'; user: string; orReplace: boolean; ifNotExists: boolean; identity?: WorkloadIdentity }
  | { kind: 'add'; user: string; identity: WorkloadIdentity }
  | { kind: 'remove'; user: string; name: string }
  | { kind: 'set'; user: string; identity: WorkloadIdentity }
  | { kind: 'unset'; user: string }
  | { kind: 'drop'; user: string; ifExists: boolean }
  | { kind: 'show'; user?: string };

/** What the engine answers: a status line, or rows produced by a DuckDB query. */
export type UserStatementAnswer = { kind: 'status'; message: string } | { kind: 'rows'; sql: string };

/** The user table as the statements see it (the emulator's registered users). */
export interface UserTable<U extends { name: string; workloadIdentities?: WorkloadIdentity[] }> {
  get(key: string): U | undefined;
  set(key: string, user: U): unknown;
  delete(key: string): unknown;
  values(): Iterable<U>;
}

const syntaxError = (why: string): SnowflakeError => new SnowflakeError('001003', '42000', `SQL compilation error:\nsyntax error: ${why}`);

function words(sig: Token[]): string[] {
  return sig.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : t.text));
}

/** Parses `TYPE = OIDC ISSUER = '…' SUBJECT = '…' [OIDC_AUDIENCE_LIST = ('a', …)]` (commas optional). */
export function parseIdentityProperties(sig: Token[], name?: string): WorkloadIdentity {
  const props = new Map<string, string | string[]>();
  let i = 0;
  while (i < sig.length) {
    if (sig[i]!.text === ',') {
      i++;
      continue;
    }
    const key = sig[i]!.kind === 'word' ? sig[i]!.text.toUpperCase() : undefined;
    if (!key || sig[i + 1]?.text !== '=') throw syntaxError(`unexpected '${sig[i]!.text}' in WORKLOAD_IDENTITY`);
    const v = sig[i + 2];
    if (!v) throw syntaxError(`${key} needs a value`);
    if (v.text === '(') {
      const list: string[] = [];
      let j = i + 3;
      while (sig[j] && sig[j]!.text !== ')') {
        if (sig[j]!.kind === 'string') list.push(unquoteString(sig[j]!.text));
        else if (sig[j]!.text !== ',') throw syntaxError(`${key} expects a list of strings`);
        j++;
      }
      if (!sig[j]) throw syntaxError(`${key} list is not closed`);
      props.set(key, list);
      i = j + 1;
    } else {
      props.set(key, v.kind === 'string' ? unquoteString(v.text) : v.text.toUpperCase());
      i += 3;
    }
  }
  const type = props.get('TYPE');
  if (type !== 'OIDC') throw new SnowflakeError('001003', '42000', `SQL compilation error:\nthe snowtrail emulator supports WORKLOAD_IDENTITY TYPE = OIDC only (got ${String(type ?? 'none')})`);
  const issuer = props.get('ISSUER');
  const subject = props.get('SUBJECT');
  if (typeof issuer !== 'string' || issuer === '') throw syntaxError('WORKLOAD_IDENTITY needs ISSUER');
  if (typeof subject !== 'string' || subject === '') throw syntaxError('WORKLOAD_IDENTITY needs SUBJECT');
  const audiences = props.get('OIDC_AUDIENCE_LIST');
  return {
    ...(name ? { name } : {}),
    issuer,
    subject,
    ...(Array.isArray(audiences) && audiences.length > 0 ? { audiences } : {}),
  };
}

/** The tokens between the `(` at `open` and its matching `)`. */
function parenthesised(sig: Token[], open: number): Token[] {
  if (sig[open]?.text !== '(') throw syntaxError('expected (');
  let depth = 0;
  for (let j = open; j < sig.length; j++) {
    if (sig[j]!.text === '(') depth++;
    if (sig[j]!.text === ')' && --depth === 0) return sig.slice(open + 1, j);
  }
  throw syntaxError('unbalanced parentheses');
}

/** Parses a user statement; undefined for any other statement (the engine handles those). */
export function parseUserStatement(sql: string): UserStatement | undefined {
  const sig = tokenize(sql).filter(isSignificant);
  const w = words(sig);
  if (w[0] === 'SHOW' && w.slice(1, 6).join(' ') === 'USER WORKLOAD IDENTITY AUTHENTICATION METHODS') {
    return w[6] === 'FOR' && w[7] === 'USER' && sig[8] ? { kind: 'show', user: identifierValue(sig[8]) } : { kind: 'show' };
  }
  if (w[0] === 'DROP' && w[1] === 'USER') {
    const ifExists = w[2] === 'IF' && w[3] === 'EXISTS';
    const t = sig[ifExists ? 4 : 2];
    return t ? { kind: 'drop', user: identifierValue(t), ifExists } : undefined;
  }
  if (w[0] === 'CREATE') {
    let i = 1;
    const orReplace = w[1] === 'OR' && w[2] === 'REPLACE';
    if (orReplace) i = 3;
    if (w[i] !== 'USER') return undefined;
    i++;
    const ifNotExists = w[i] === 'IF' && w[i + 1] === 'NOT' && w[i + 2] === 'EXISTS';
    if (ifNotExists) i += 3;
    const t = sig[i];
    if (!t) return undefined;
    const at = w.indexOf('WORKLOAD_IDENTITY', i + 1);
    const base = { kind: 'create' as const, user: identifierValue(t), orReplace, ifNotExists };
    if (at === -1) return base;
    if (sig[at + 1]?.text !== '=') throw syntaxError('WORKLOAD_IDENTITY = ( … )');
    return { ...base, identity: parseIdentityProperties(parenthesised(sig, at + 2), 'DEFAULT') };
  }
  if (w[0] === 'ALTER' && w[1] === 'USER') {
    let i = 2;
    if (w[2] === 'IF' && w[3] === 'EXISTS') i = 4;
    const t = sig[i];
    if (!t) return undefined;
    const user = identifierValue(t);
    const verb = w[i + 1];
    if ((verb === 'ADD' || verb === 'REMOVE') && w[i + 2] === 'WORKLOAD' && w[i + 3] === 'IDENTITY') {
      let j = i + 4;
      let name: string | undefined;
      if (sig[j] && (sig[j]!.kind === 'word' || sig[j]!.kind === 'quoted') && sig[j + 1]?.text !== '=') {
        name = identifierValue(sig[j]!);
        j++;
      }
      if (verb === 'REMOVE') {
        if (!name) throw syntaxError('REMOVE WORKLOAD IDENTITY needs the name of the identity');
        return { kind: 'remove', user, name };
      }
      if (sig[j]?.text === '=') j++;
      const props = sig[j]?.text === '(' ? parenthesised(sig, j) : sig.slice(j);
      return { kind: 'add', user, identity: parseIdentityProperties(props, name) };
    }
    if (verb === 'SET' && w[i + 2] === 'WORKLOAD_IDENTITY') {
      if (sig[i + 3]?.text !== '=') throw syntaxError('WORKLOAD_IDENTITY = ( … )');
      return { kind: 'set', user, identity: parseIdentityProperties(parenthesised(sig, i + 4), 'DEFAULT') };
    }
    if (verb === 'UNSET' && w[i + 2] === 'WORKLOAD_IDENTITY') return { kind: 'unset', user };
  }
  return undefined;
}

const missingUser = (user: string): SnowflakeError => new SnowflakeError('002003', '02000', `SQL compilation error:\nUser '${user}' does not exist or not authorized.`);

/** A name for an added identity that does not clash with the user's others. */
function nextIdentityName(existing: WorkloadIdentity[]): string {
  const names = new Set(existing.map((e) => e.name));
  if (!names.has('DEFAULT')) return 'DEFAULT';
  let n = 2;
  while (names.has(`IDENTITY_${n}`)) n++;
  return `IDENTITY_${n}`;
}

/** The DuckDB query listing identities with the columns SHOW answers with. */
function showSql(rows: { user: string; id: WorkloadIdentity }[]): string {
  const cols = '"name", "type", "user_name", "issuer", "subject", "oidc_audience_list"';
  if (rows.length === 0) return `SELECT ${cols.split(', ').map((c) => `NULL::VARCHAR AS ${c}`).join(', ')} WHERE false`;
  const values = rows.map(({ user, id }) =>
    `(${[id.name ?? 'DEFAULT', 'OIDC', user, id.issuer, id.subject, JSON.stringify(id.audiences ?? ['snowflakecomputing.com'])].map(quoteLiteral).join(', ')})`,
  );
  return `SELECT * FROM (VALUES ${values.join(', ')}) AS t(${cols})`;
}

/** Applies a parsed statement to the user table and returns the answer. */
export function applyUserStatement<U extends { name: string; workloadIdentities?: WorkloadIdentity[] }>(
  stmt: UserStatement,
  users: UserTable<U>,
  makeUser: (name: string) => U,
): UserStatementAnswer {
  const key = (name: string) => name.toUpperCase();
  const need = (name: string): U => {
    const u = users.get(key(name));
    if (!u) throw missingUser(name);
    return u;
  };
  switch (stmt.kind) {
    case 'create': {
      const existing = users.get(key(stmt.user));
      if (existing && stmt.ifNotExists) return { kind: 'status', message: `${stmt.user} already exists, statement succeeded.` };
      if (existing && !stmt.orReplace) throw new SnowflakeError('002002', '42710', `SQL compilation error:\nObject '${stmt.user}' already exists.`);
      const user = makeUser(stmt.user);
      if (stmt.identity) user.workloadIdentities = [stmt.identity];
      users.set(key(stmt.user), user);
      return { kind: 'status', message: `User ${stmt.user} successfully created.` };
    }
    case 'add': {
      const u = need(stmt.user);
      const list = u.workloadIdentities ?? [];
      const name = stmt.identity.name ?? nextIdentityName(list);
      if (list.some((e) => e.name === name)) throw new SnowflakeError('002002', '42710', `SQL compilation error:\nWorkload identity '${name}' already exists for user ${stmt.user}.`);
      u.workloadIdentities = [...list, { ...stmt.identity, name }];
      return { kind: 'status', message: 'Statement executed successfully.' };
    }
    case 'remove': {
      const u = need(stmt.user);
      const list = u.workloadIdentities ?? [];
      if (!list.some((e) => e.name === stmt.name)) throw new SnowflakeError('002003', '02000', `SQL compilation error:\nWorkload identity '${stmt.name}' does not exist for user ${stmt.user}.`);
      u.workloadIdentities = list.filter((e) => e.name !== stmt.name);
      return { kind: 'status', message: 'Statement executed successfully.' };
    }
    case 'set':
      need(stmt.user).workloadIdentities = [stmt.identity];
      return { kind: 'status', message: 'Statement executed successfully.' };
    case 'unset':
      need(stmt.user).workloadIdentities = [];
      return { kind: 'status', message: 'Statement executed successfully.' };
    case 'drop':
      if (!users.get(key(stmt.user))) {
        if (stmt.ifExists) return { kind: 'status', message: `Drop statement executed successfully (${stmt.user} already dropped).` };
        throw missingUser(stmt.user);
      }
      users.delete(key(stmt.user));
      return { kind: 'status', message: `${stmt.user} successfully dropped.` };
    case 'show': {
      const list = stmt.user ? [need(stmt.user)] : [...users.values()];
      return { kind: 'rows', sql: showSql(list.flatMap((u) => (u.workloadIdentities ?? []).map((id) => ({ user: u.name.toUpperCase(), id })))) };
    }
  }
}
