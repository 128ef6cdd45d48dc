import { functionClassOf, functionObject, unresolvedObject } from './engine-objects.js';
import { isLocationString, parseName, qualify, qualifyStage, renderPart, unresolvedReasonOf, type SessionContext } from './object-names.js';
import { enclosingCloses, isOp, isOpToken, skipGroup, wordAt } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/**
 * Finding the objects a query reads: every table reference after FROM, JOIN, USING and a comma in
 * a FROM list, at any depth (subqueries, CTE bodies, set operations), minus CTE names in their scope
 * and built-in table functions that read nothing of their own; plus every stage reference, every
 * classified function call and every name the classifier cannot resolve (`unresolved://…`). A
 * reference we are unsure about is reported rather than dropped, because every read must be allowed
 * (docs/policy.md).
 */

/** A CTE name and the token range in which it shadows a table of the same name. */
export interface CteScope {
  name: string;
  from: number;
  to: number;
}

/**
 * Words that end a FROM list at their depth, so a later comma no longer starts a table reference.
 * Only words Snowflake reserves (docs: "Reserved & limited keywords") are here: any other word
 * (LIMIT, OFFSET, FETCH, EXCEPT, WINDOW …) can be a table alias (`FROM a limit, b`), and an alias
 * must never hide the next table. A word missing here at worst reports an extra read.
 */
const CLAUSE_END = new Set([
  'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'UNION', 'MINUS', 'INTERSECT', 'WHEN', 'THEN', 'ELSE', 'SET', 'SELECT',
  'VALUES', 'START', 'CONNECT', 'INTO',
]);

/** A quoted identifier that is plain upper case names the same thing as the unquoted word. */
const PLAIN_UPPER = /^[A-Z_][A-Z0-9_$]*$/;

/** Built-in table functions that read no object of their own (their arguments are scanned as usual). */
const BUILTIN_TABLE_FUNCTIONS = new Set([
  'FLATTEN', 'GENERATOR', 'SPLIT_TO_TABLE', 'STRTOK_SPLIT_TO_TABLE', 'INFER_SCHEMA', 'VALIDATE_PIPE_LOAD', 'IDENTIFIER', 'DIRECTORY',
]);

/** Words after which `a.b (…)` is a target with a column list, not a function call. */
const TARGET_BEFORE = new Set(['INTO', 'TABLE', 'VIEW']);

const NOT_A_TABLE = new Set(['SELECT', 'WITH', 'VALUES', 'WHERE', 'GROUP', 'ORDER', 'LIMIT', 'ON', 'SET', 'DUAL']);

/** Collect the CTEs defined by every `WITH name [(cols)] AS (` in the range, each with its scope. */
export function collectCtes(tokens: readonly Token[], from: number, to: number): CteScope[] {
  const ctes: CteScope[] = [];
  let closes: Int32Array | undefined;
  for (let i = from; i < to; i++) {
    if (wordAt(tokens, i) !== 'WITH') continue;
    let j = i + 1;
    if (wordAt(tokens, j) === 'RECURSIVE') j++;
    closes ??= enclosingCloses(tokens);
    const scopeEnd = Math.min(closes[i]!, to);
    for (;;) {
      const name = parseName(tokens, j);
      if (name === undefined || name.parts.length !== 1) break;
      let k = name.next;
      if (isOp(tokens, k, '(')) k = skipGroup(tokens, k);
      if (wordAt(tokens, k) !== 'AS' || !isOp(tokens, k + 1, '(')) break;
      ctes.push({ name: renderPart(name.parts[0]!), from: i, to: scopeEnd });
      k = skipGroup(tokens, k + 1);
      if (!isOp(tokens, k, ',')) break;
      j = k + 1;
    }
  }
  return ctes;
}

/** CTE scopes by name, so each table reference is checked against its own name only. */
type CteIndex = ReadonlyMap<string, readonly CteScope[]>;

function indexCtes(ctes: readonly CteScope[]): CteIndex {
  const byName = new Map<string, CteScope[]>();
  for (const c of ctes) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  return byName;
}

function isCte(ctes: CteIndex, name: string, at: number): boolean {
  return ctes.get(name)?.some((c) => at >= c.from && at <= c.to) ?? false;
}

/** True when a query starts at `i`, behind any number of `(`: `((SELECT …))` is, `((db.s.t))` is not. */
function isSubqueryStart(tokens: readonly Token[], i: number): boolean {
  let j = i;
  while (isOp(tokens, j, '(')) j++;
  const w = wordAt(tokens, j);
  return w === 'SELECT' || w === 'WITH' || w === 'VALUES';
}

/** Add the table reference starting at `j` (after FROM, JOIN, USING or a FROM-list comma). */
function addRef(tokens: readonly Token[], start: number, ctx: SessionContext, reads: Set<string>, ctes: CteIndex): void {
  // Skip what may precede the table itself: LATERAL, and the `(` of a parenthesised join
  // (`FROM (a JOIN b)`); a subquery is scanned on its own. A loop, not recursion: any depth is fine.
  let j = start;
  for (;;) {
    const u = tokens[j];
    if (u?.kind === 'word' && u.value === 'LATERAL') j++;
    else if (isOpToken(u, '(')) {
      if (isSubqueryStart(tokens, j + 1)) return;
      j++;
    } else break;
  }
  const t = tokens[j];
  if (t === undefined) return;
  if (t.kind === 'stage') return; // every stage token is added by the scan itself
  if (t.kind === 'string') {
    if (t.value.startsWith('@')) reads.add(qualifyStage(t.value, ctx));
    else if (isLocationString(t.value)) reads.add(t.value.trim());
    return;
  }
  if (t.kind === 'word' && NOT_A_TABLE.has(t.value)) return;
  if (t.kind === 'variable' && /^\$\d+$/.test(t.value)) return; // FROM $1 after ->>: an earlier link's result, decided already
  if (t.kind === 'variable' || t.kind === 'bind') {
    // FROM $t / FROM ?: Snowflake rejects most of these, but a name chosen at run time is never a known table
    reads.add(unresolvedObject(t.kind === 'variable' ? 'variable_name' : 'bind_name'));
    return;
  }
  if ((t.kind === 'word' || t.kind === 'quoted') && t.value === 'TABLE' && isOp(tokens, j + 1, '(')) return addTableLiteral(tokens, j + 2, ctx, reads);
  const name = parseName(tokens, j);
  if (name === undefined) return;
  if (name.unresolved === undefined && isOp(tokens, name.next, '(')) return addTableFunction(tokens, j, name.parts, ctx, reads);
  if (name.parts.length === 1 && isCte(ctes, renderPart(name.parts[0]!), j)) return;
  reads.add(qualify(name.parts, 'schema_object', ctx));
}

/**
 * TABLE(<arg>) in a FROM list: a table literal (`TABLE('name')`, `TABLE($v)`, `TABLE(?)`) is a name
 * the classifier does not resolve; `TABLE(fn(…))` is a table function (or a table-returning
 * procedure), handled like any other.
 */
function addTableLiteral(tokens: readonly Token[], at: number, ctx: SessionContext, reads: Set<string>): void {
  const arg = tokens[at];
  if (arg === undefined) return;
  const close = skipGroup(tokens, at - 1) - 1;
  if (arg.kind === 'string') return void reads.add(unresolvedObject('table_literal'));
  const name = parseName(tokens, at);
  if (name !== undefined && name.unresolved === undefined && isOp(tokens, name.next, '(')) return addTableFunction(tokens, at, name.parts, ctx, reads);
  if (name?.unresolved !== undefined) return void reads.add(name.parts[0]!.value);
  reads.add(unresolvedObject(unresolvedReasonOf(tokens, at, close)));
}

/**
 * A table function call `fn(…)` at `at`: built-ins that read nothing of their own are skipped,
 * `RESULT_SCAN` and `SYSTEM$…` are left to the scan (which sees them anywhere), and any other
 * function is an object, a user-defined table function or a table-returning procedure, read like
 * a table (qualified ones are reported by the scan too).
 */
function addTableFunction(tokens: readonly Token[], at: number, parts: readonly { value: string; quoted: boolean }[], ctx: SessionContext, reads: Set<string>): void {
  const only = parts.length === 1 ? parts[0]! : undefined;
  // RESULT_SCAN, SEMANTIC_VIEW and classified functions are reported by the scan, quoted or not
  if (only !== undefined && PLAIN_UPPER.test(only.value) && (only.value === 'RESULT_SCAN' || only.value === 'SEMANTIC_VIEW' || functionClassOf(only.value) !== undefined)) return;
  if (only !== undefined && !only.quoted) {
    const fn = only.value;
    if (fn === 'VALIDATE') {
      // VALIDATE(t, JOB_ID => …) returns rows a load into t rejected: it reads t.
      const table = parseName(tokens, at + 2);
      if (table !== undefined) reads.add(qualify(table.parts, 'schema_object', ctx));
      return;
    }
    if (BUILTIN_TABLE_FUNCTIONS.has(fn)) return;
  }
  reads.add(qualify(parts, 'schema_object', ctx));
}

/**
 * Objects named by calls anywhere in a statement: `RESULT_SCAN(…)` (another query's result, so
 * whatever that query read), `SEMANTIC_VIEW(name …)` (reads the semantic view) and every classified
 * function (`SYSTEM$…`, `GET_PRESIGNED_URL`, …) as `function://<class>/<NAME>`.
 */
function addCall(tokens: readonly Token[], i: number, v: string, ctx: SessionContext, reads: Set<string>): void {
  if (isOp(tokens, i - 1, '.')) return; // a qualified call: reported as an object by the scan
  if (v === 'RESULT_SCAN') return void reads.add(unresolvedObject('result_scan'));
  if (v === 'SEMANTIC_VIEW') {
    const name = parseName(tokens, i + 2);
    reads.add(name !== undefined ? qualify(name.parts, 'schema_object', ctx) : unresolvedObject('expression_name'));
    return;
  }
  const cls = functionClassOf(v);
  if (cls !== undefined) reads.add(functionObject(cls, v));
}

/** Add every object read by the query tokens in [from, to) to `reads`. */
export function scanReads(tokens: readonly Token[], from: number, to: number, ctx: SessionContext, reads: Set<string>, ctes?: readonly CteScope[]): void {
  const scopes = indexCtes(ctes ?? collectCtes(tokens, from, to));
  const openers: string[] = [];
  const fromActive: boolean[] = [false];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'stage') {
      reads.add(qualifyStage(t.text, ctx));
      continue;
    }
    if (t.kind === 'op') {
      if (isOpToken(t, '(')) {
        const prev = tokens[i - 1];
        const prevWord = prev?.kind === 'word' ? prev.value : '';
        const introducesRef = prevWord === 'FROM' || prevWord === 'JOIN' || (isOpToken(prev, ',') && fromActive[depth] === true);
        openers.push(prevWord);
        depth++;
        fromActive[depth] = introducesRef && !isSubqueryStart(tokens, i + 1);
      } else if (isOpToken(t, ')')) {
        if (depth > 0) {
          fromActive[depth] = false;
          depth--;
          openers.pop();
        }
      } else if (isOpToken(t, ',') && fromActive[depth] === true) {
        addRef(tokens, i + 1, ctx, reads, scopes);
      } else if (isOpToken(t, '=>') && wordAt(tokens, i - 1) === 'LOCATION') {
        // INFER_SCHEMA(LOCATION => '@stage/…') reads the stage
        addRef(tokens, i + 1, ctx, reads, scopes);
      }
      continue;
    }
    // "SYSTEM$SEND_EMAIL"(…), "RESULT_SCAN"(…): a quoted upper-case name is the same name
    if (t.kind === 'quoted' && PLAIN_UPPER.test(t.value) && isOp(tokens, i + 1, '(')) addCall(tokens, i, t.value, ctx, reads);
    if ((t.kind === 'word' || t.kind === 'quoted') && isOp(tokens, i + 1, '.') && !isOp(tokens, i - 1, '.') && !TARGET_BEFORE.has(wordAt(tokens, i - 1) ?? '')) {
      // db.schema.fn(…) / "db".s.fn(…): a call of a user-defined function or table function is a use of that object
      const name = parseName(tokens, i);
      if (name !== undefined && name.parts.length >= 2 && isOp(tokens, name.next, '(')) reads.add(qualify(name.parts, 'schema_object', ctx));
    }
    if (t.kind !== 'word') continue;
    const v = t.value;
    if (isOp(tokens, i + 1, '(')) addCall(tokens, i, v, ctx, reads);
    if (v === 'FROM') {
      if (openers[openers.length - 1] === 'EXTRACT') continue;
      const p1 = wordAt(tokens, i - 1);
      const p2 = wordAt(tokens, i - 2);
      if (p1 === 'DISTINCT' && (p2 === 'IS' || p2 === 'NOT')) continue;
      fromActive[depth] = true;
      addRef(tokens, i + 1, ctx, reads, scopes);
    } else if (v === 'JOIN') {
      fromActive[depth] = true;
      addRef(tokens, i + 1, ctx, reads, scopes);
    } else if (v === 'USING') {
      // MERGE … USING src / DELETE … USING a, b; JOIN … USING (col) is a column list.
      if (!isOp(tokens, i + 1, '(') && wordAt(tokens, i + 1) !== 'TEMPLATE') {
        fromActive[depth] = true;
        addRef(tokens, i + 1, ctx, reads, scopes);
      }
    } else if (CLAUSE_END.has(v)) {
      fromActive[depth] = false;
    }
  }
}
