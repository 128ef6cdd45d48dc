import type { ClassifiedStatement, SessionContext } from '@snowtrail/policy';

/**
 * The session's current database and schema as the policy classifier wants them (unquoted values
 * upper-case, quoted ones in double quotes), and whether quoted identifiers fold to upper case.
 *
 * The context is derived from the classified statements (never from a regex on the text) and
 * confirmed by Snowflake's answers (`finalDatabaseName` / `finalSchemaName`). While a request that
 * changes it has not been confirmed (still running, sent asynchronously and its result not yet
 * fetched, failed part-way, or other requests in flight on the same session), the session has
 * several possible contexts, and every request is judged against each of them.
 */
export interface TrackedContext {
  database?: string | undefined;
  schema?: string | undefined;
  quotedIdentifiersIgnoreCase?: boolean | undefined;
}

/** Most possible contexts a session may have before requests are refused until one is confirmed. */
export const MAX_POSSIBLE_CONTEXTS = 8;

/** What is known about one session's context. */
interface Tracking {
  /** Every context the next statement could run in; the first is the best guess. */
  possible: TrackedContext[];
  /** Requests that change the context and whose effect no answer has confirmed yet, with the contexts they lead to. */
  unconfirmed: Map<string, TrackedContext[]>;
}

/**
 * Per session (keyed by its table entry object, so the entry's shape stays the session table's):
 * dropped with the entry by the garbage collector.
 */
const tracking = new WeakMap<object, Tracking>();

/** The session's context as the session table stores it (database and schema). */
interface ContextHolder {
  context: { database?: string | undefined; schema?: string | undefined };
}

function trackingOf(entry: ContextHolder): Tracking {
  let t = tracking.get(entry);
  if (t === undefined) {
    t = { possible: [{ ...entry.context }], unconfirmed: new Map() };
    tracking.set(entry, t);
  }
  return t;
}

function keyOf(c: TrackedContext): string {
  return `${c.database ?? ''}\u0000${c.schema ?? ''}\u0000${c.quotedIdentifiersIgnoreCase === true ? 1 : 0}`;
}

function addDistinct(list: TrackedContext[], more: readonly TrackedContext[]): void {
  const seen = new Set(list.map(keyOf));
  for (const c of more) {
    if (!seen.has(keyOf(c))) {
      seen.add(keyOf(c));
      list.push(c);
    }
  }
}

/** The classifier's view of a tracked context. */
export function toSessionContext(c: TrackedContext): SessionContext {
  const out: SessionContext = {};
  if (c.database) out.database = c.database;
  if (c.schema) out.schema = c.schema;
  if (c.quotedIdentifiersIgnoreCase === true) out.quotedIdentifiersIgnoreCase = true;
  return out;
}

/** Every context a request on this session could run in (one when the context is certain). */
export function possibleContexts(entry: ContextHolder): TrackedContext[] {
  return trackingOf(entry).possible;
}

/**
 * True for a request that sets the context whatever it was: one `USE DATABASE d` or `USE SCHEMA d.s`
 * (fully qualified) that leads to the same context from `a` as from `b`. Such a request is the way
 * out of too many possible contexts.
 */
export function isContextReset(fromA: readonly ClassifiedStatement[], a: TrackedContext, fromB: readonly ClassifiedStatement[], b: TrackedContext): boolean {
  const only = fromA.length === 1 ? fromA[0]! : undefined;
  if (only === undefined || only.class !== 'USE' || only.inner !== undefined || only.use === undefined) return false;
  if (only.use.kind !== 'DATABASE' && only.use.kind !== 'SCHEMA') return false;
  return keyOf(contextAfterStatements(fromA, a)) === keyOf(contextAfterStatements(fromB, b)) && contextAfterStatements(fromA, a) !== a;
}

/** The context after a request's statements run from `ctx`, as the classifier derived it. */
export function contextAfterStatements(statements: readonly ClassifiedStatement[], ctx: TrackedContext): TrackedContext {
  let after: TrackedContext = ctx;
  for (const s of statements) {
    if (s.contextAfter !== undefined) after = { database: s.contextAfter.database, schema: s.contextAfter.schema, quotedIdentifiersIgnoreCase: s.contextAfter.quotedIdentifiersIgnoreCase };
  }
  return after;
}

/**
 * Records an allowed request that changes the context (from each possible context to `afters`): until
 * an answer confirms it, the contexts it leads to are possible too.
 */
export function noteContextChange(entry: ContextHolder, requestId: string, afters: readonly TrackedContext[]): void {
  const t = trackingOf(entry);
  t.unconfirmed.set(requestId, [...afters]);
  addDistinct(t.possible, afters);
}

/**
 * A successful answer for `requestId`: Snowflake reports the context the statement ended in. When no
 * other context change is unconfirmed, that is the context; otherwise it is one more possibility.
 */
export function confirmContext(entry: ContextHolder, requestId: string, reported: { finalDatabaseName?: string | null | undefined; finalSchemaName?: string | null | undefined }): void {
  const t = trackingOf(entry);
  const changed = t.unconfirmed.get(requestId);
  t.unconfirmed.delete(requestId);
  const base = changed?.[0] ?? t.possible[0] ?? {};
  const confirmed: TrackedContext = { ...base };
  if (reported.finalDatabaseName) confirmed.database = contextValueFromReported(reported.finalDatabaseName);
  if (reported.finalSchemaName) confirmed.schema = contextValueFromReported(reported.finalSchemaName);
  const reportsContext = Boolean(reported.finalDatabaseName || reported.finalSchemaName);
  if (t.unconfirmed.size === 0 && (reportsContext || (changed !== undefined && changed.length === 1))) {
    t.possible = [confirmed];
  } else if (changed !== undefined || reportsContext) {
    addDistinct(t.possible, [confirmed]);
  }
  entry.context = { database: t.possible[0]?.database, schema: t.possible[0]?.schema };
}

const PLAIN = /^[A-Z_][A-Z0-9_$]*$/;

/** Renders a name Snowflake reported (its stored form) as a context value. */
export function contextValueFromReported(name: string): string {
  return PLAIN.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A configured name (`etl_role`, `"Mixed"`) in the classifier's rendering. */
function renderConfigured(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return contextValueFromReported(name.slice(1, -1).replace(/""/g, '"'));
  return name.toUpperCase();
}

function* everyStatement(statements: readonly ClassifiedStatement[]): Generator<ClassifiedStatement> {
  for (const s of statements) {
    yield s;
    if (s.inner) yield* everyStatement(s.inner);
  }
}

/**
 * The sidecar's own guard behind ADR 0020: when the config pins a role or warehouse, SQL cannot
 * switch away from it (`USE ROLE`, `USE SECONDARY ROLES`, `USE WAREHOUSE`). It reads the classified
 * statements, including every statement they run or define (`->>` links, `EXECUTE IMMEDIATE`
 * literals, blocks, bodies), so comments, case and chaining cannot hide a switch. Returns the
 * refusal text, or undefined when the request is fine.
 */
export function checkPinnedSwitch(statements: readonly ClassifiedStatement[], pinned: { role?: string | undefined; warehouse?: string | undefined }): string | undefined {
  for (const s of everyStatement(statements)) {
    const use = s.use;
    if (use === undefined) continue;
    if (use.kind === 'SECONDARY ROLES') {
      if (pinned.role !== undefined && use.name !== 'NONE') return `this sidecar's sessions use role ${pinned.role} only; USE SECONDARY ROLES is not allowed`;
      continue;
    }
    if (use.kind !== 'ROLE' && use.kind !== 'WAREHOUSE') continue;
    const pin = use.kind === 'ROLE' ? pinned.role : pinned.warehouse;
    if (pin === undefined || use.name === renderConfigured(pin)) continue;
    return `this sidecar's sessions use ${use.kind.toLowerCase()} ${pin}; switching to ${use.name} is not allowed`;
  }
  return undefined;
}

/**
 * A request that changes the context failed: it has finished, though it may have run part of its
 * statements, so the contexts it could lead to stay possible, but a later answer's reported context
 * is authoritative again.
 */
export function settleFailedContextChange(entry: ContextHolder, requestId: string): void {
  trackingOf(entry).unconfirmed.delete(requestId);
}
