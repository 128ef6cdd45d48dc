import { isLocationString, parseName, qualify, qualifyStage, renderPart, type SessionContext } from './object-names.js';
import { enclosingCloses, isOp, isOpToken, skipGroup, wordAt } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/**
 * Finding the objects a query reads: every table reference after FROM, JOIN, USING and a comma in
 * a FROM list, at any depth (subqueries, CTE bodies, set operations), minus CTE names in their scope
 * and table functions; plus every stage reference. A reference we are unsure about is reported
 * rather than dropped, because allow rules require every read to match (docs/policy.md).
 */

/** A CTE name and the token range in which it shadows a table of the same name. */
export interface CteScope {
  name: string;
  from: number;
  to: number;
}

/** Words that end a FROM list at their depth, so a later comma no longer starts a table reference. */
const CLAUSE_END = new Set([
  'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'MINUS',
  'INTERSECT', 'WINDOW', 'WHEN', 'THEN', 'SET', 'SELECT', 'VALUES', 'START', 'CONNECT', 'RETURNING', 'INTO', 'DO',
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

function isSubqueryStart(tokens: readonly Token[], i: number): boolean {
  const w = wordAt(tokens, i);
  return w === 'SELECT' || w === 'WITH' || isOp(tokens, i, '(');
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
  const name = parseName(tokens, j);
  if (name === undefined) return;
  // table function: TABLE(…), FLATTEN(…); a qualified one (db.s.udtf(…)) is reported by the scan
  if (name.unresolved === undefined && isOp(tokens, name.next, '(')) return;
  if (name.parts.length === 1 && isCte(ctes, renderPart(name.parts[0]!), j)) return;
  reads.add(qualify(name.parts, 'schema_object', ctx));
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
    if (t.kind !== 'word') continue;
    const v = t.value;
    if (isOp(tokens, i + 1, '.') && !isOp(tokens, i - 1, '.') && !TARGET_BEFORE.has(wordAt(tokens, i - 1) ?? '')) {
      // db.schema.fn(…): a call of a user-defined function or table function is a use of that object
      const name = parseName(tokens, i);
      if (name !== undefined && name.parts.length >= 2 && isOp(tokens, name.next, '(')) reads.add(qualify(name.parts, 'schema_object', ctx));
    }
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
      if (!isOp(tokens, i + 1, '(')) {
        fromActive[depth] = true;
        addRef(tokens, i + 1, ctx, reads, scopes);
      }
    } else if (CLAUSE_END.has(v)) {
      fromActive[depth] = false;
    }
  }
}
