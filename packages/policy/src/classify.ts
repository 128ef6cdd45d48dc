import { StatementBuilder, type ClassifiedStatement } from './classified-statement.js';
import { classifyAlter, classifyComment, classifyCreate, classifyDrop, classifyGrant } from './classify-ddl.js';
import {
  classifyCall, classifyCopy, classifyDescribe, classifyDml, classifyExecute, classifyExplain, classifyInsert, classifyQuery, classifyStageCommand, locationOf,
} from './classify-dml.js';
import type { ClassifyEnv } from './classify-env.js';
import { parseName, qualify, renderPart, type SessionContext } from './object-names.js';
import { collectCtes, scanReads } from './query-reads.js';
import { classifyPieces } from './scripting.js';
import { isBlockBegin, rangeText, splitTokenRanges } from './split-statements.js';
import { enclosingCloses, isOp, isOpToken, skipGroup, wordAt } from './token-cursor.js';
import { tokenize, type Token } from './tokenizer.js';

export type { SessionContext } from './object-names.js';

/**
 * How deep EXECUTE IMMEDIATE / blocks / bodies may nest before we stop and mark the statement
 * unclassifiable (and `decide` denies it). Real pipelines nest one or two levels.
 */
export const MAX_NESTING = 8;

/**
 * Classify every statement of a (multi-statement) SQL text: its class and the objects it reads and
 * writes, fully qualified with the session context. `USE` changes the context for the statements
 * after it. Never throws.
 */
export function classifySql(sql: string, ctx: SessionContext): ClassifiedStatement[] {
  return classifyText(sql, ctx, 0, false);
}

function classifyText(sql: string, ctx: SessionContext, depth: number, alternative: boolean): ClassifiedStatement[] {
  if (depth > MAX_NESTING) return [{ text: sql, class: 'OTHER', reads: [], writes: [], unclassifiable: true }];
  const { tokens, ambiguous } = tokenize(sql, { alternative });
  let current: SessionContext = { ...ctx };
  const out: ClassifiedStatement[] = [];
  for (const range of splitTokenRanges(tokens)) {
    const stmtTokens = tokens.slice(range.start, range.end);
    const { statement, ctx: after } = classifyStatement(sql, stmtTokens, rangeText(sql, tokens, range), current, depth);
    out.push(statement);
    current = after;
  }
  if (ambiguous && !alternative) {
    // Where Snowflake's lexing is uncertain (a /* inside a block comment, a comment start inside
    // an unquoted path) decide both readings so a comment trick cannot hide a statement.
    const other = classifyText(sql, ctx, depth, true).map((s) => ({ ...s, via: 'alternative_reading' as const }));
    if (out.length === 0) return other;
    if (other.length > 0) out[0] = { ...out[0]!, inner: [...(out[0]!.inner ?? []), ...other] };
  }
  return out;
}

/** Classify one statement's tokens; returns the statement and the session context after it. */
function classifyStatement(sql: string, tokens: readonly Token[], text: string, ctx: SessionContext, depth: number): { statement: ClassifiedStatement; ctx: SessionContext } {
  const b = new StatementBuilder();
  const env: ClassifyEnv = {
    sql,
    tokens,
    ctx,
    b,
    classifyText: (inner) => classifyText(inner, ctx, depth + 1, false),
    classifyRange: (start, end, at) => classifyStatement(sql, tokens.slice(start, end), rangeTextOf(sql, tokens, start, end), at ?? ctx, depth + 1).statement,
  };
  if (depth > MAX_NESTING) {
    b.unclassifiable = true;
    return { statement: b.build(text), ctx };
  }
  // The flow operator ->> chains statements; each link runs, after the one before it, so each is
  // classified in the context the links before it leave (a USE in one link moves the next).
  const flow = findTopLevel(tokens, (t) => isOpToken(t, '->>'));
  const mainEnd = flow[0] ?? tokens.length;
  const mainEnv = mainEnd === tokens.length ? env : { ...env, tokens: tokens.slice(0, mainEnd) };
  let after = dispatch(mainEnv) ?? ctx;
  for (let k = 0; k < flow.length; k++) {
    const start = flow[k]! + 1;
    const end = flow[k + 1] ?? tokens.length;
    const link = classifyStatement(sql, tokens.slice(start, end), rangeTextOf(sql, tokens, start, end), after, depth + 1);
    b.addInner([link.statement], 'flow_operator', true);
    after = link.ctx;
  }
  const statement = b.build(text);
  if (after !== ctx) statement.contextAfter = after;
  return { statement, ctx: after };
}

function rangeTextOf(sql: string, tokens: readonly Token[], start: number, end: number): string {
  return rangeText(sql, tokens, { start, end });
}

/** Indices of tokens matching `pred` at paren depth 0. */
function findTopLevel(tokens: readonly Token[], pred: (t: Token) => boolean): number[] {
  const found: number[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOpToken(t, '(')) depth++;
    else if (isOpToken(t, ')')) depth = Math.max(0, depth - 1);
    else if (depth === 0 && pred(t)) found.push(i);
  }
  return found;
}

/** Route a statement to its handler by its leading keywords; returns a changed context for USE. */
function dispatch(env: ClassifyEnv): SessionContext | undefined {
  const t = env.tokens;
  const first = wordAt(t, 0);
  const isBlock = first === 'DECLARE' || (first === 'BEGIN' && isBlockBegin(t, 0));
  if (isBlock) {
    // An anonymous Snowflake Scripting block runs its statements now: EXECUTE_IMMEDIATE semantics.
    env.b.cls = 'EXECUTE_IMMEDIATE';
    classifyPieces(env, 0, t.length, 'block');
    return env.b.inner.some(runsUse) ? { ...env.ctx, ...UNKNOWN } : undefined;
  }
  routeStatement(env, first);
  // Defence in depth: a `;` that the splitter kept inside a non-block statement still separates
  // statements Snowflake may run; classify each piece so nothing hides behind it.
  if (!env.b.bodyCoversRest && t.some((tok) => tok.kind === 'semicolon')) {
    const firstSemi = t.findIndex((tok) => tok.kind === 'semicolon');
    classifyPieces(env, firstSemi + 1, t.length, 'merged');
  }
  addPresignedUrls(env);
  if (first === 'USE') return useContext(env);
  if (env.b.createdContext !== undefined) return { ...env.ctx, ...env.b.createdContext };
  if (env.b.changesIdentifierCase) return withIdentifierCase(env.ctx, env.b.identifierCaseAfter);
  // A USE run inside EXECUTE IMMEDIATE or a block changes the session too; we do not track which
  // way, so later statements resolve against an unknown context (matching no concrete pattern).
  if (env.b.inner.some(runsUse)) return { ...env.ctx, ...UNKNOWN };
  return undefined;
}

/** The context part used when it cannot be known statically: rendered `"?"`. */
const UNKNOWN_CONTEXT = '"?"';
const UNKNOWN: SessionContext = { database: UNKNOWN_CONTEXT, schema: UNKNOWN_CONTEXT };

/**
 * The context after QUOTED_IDENTIFIERS_IGNORE_CASE changes: folded when set to TRUE; exact when
 * FALSE or not known statically (an exact name is the one that can only be denied wrongly, never
 * allowed wrongly: allow patterns compare exactly, deny patterns ignore case).
 */
function withIdentifierCase(ctx: SessionContext, value: boolean | undefined): SessionContext {
  const out: SessionContext = { ...ctx };
  if (value === true) out.quotedIdentifiersIgnoreCase = true;
  else delete out.quotedIdentifiersIgnoreCase;
  return out;
}

/** True when the statement, or one it runs now, changes the session context (USE, CREATE SCHEMA …). */
function runsUse(s: ClassifiedStatement): boolean {
  if (s.via === 'body' || s.via === 'alternative_reading') return false;
  return s.class === 'USE' || s.contextAfter !== undefined || (s.inner ?? []).some(runsUse);
}

/**
 * GET_PRESIGNED_URL(@stage, 'file') hands out a URL anyone can download the file from, without
 * Snowflake credentials: it is a GET in disguise, attached as an inner GET so `decide` guards it.
 */
function addPresignedUrls(env: ClassifyEnv): void {
  const t = env.tokens;
  for (let i = 0; i < t.length; i++) {
    if (wordAt(t, i) !== 'GET_PRESIGNED_URL' || !isOp(t, i + 1, '(')) continue;
    const stage = locationOf(t[i + 2], env);
    const end = skipGroup(t, i + 1);
    env.b.addInner([{ text: rangeTextOf(env.sql, t, i, end), class: 'GET', reads: stage !== undefined ? [stage] : [], writes: [] }], 'presigned_url', true);
  }
}

function routeStatement(env: ClassifyEnv, first: string | undefined): void {
  const t = env.tokens;
  switch (first) {
    case 'SELECT':
    case 'VALUES':
      return classifyQuery(env, 'SELECT');
    case 'WITH':
      return classifyWith(env);
    case 'INSERT':
      return classifyInsert(env);
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
    case 'TRUNCATE':
      return classifyDml(env, first);
    case 'COPY':
      return classifyCopy(env);
    case 'PUT':
    case 'GET':
    case 'LIST':
    case 'REMOVE':
      return classifyStageCommand(env, first);
    case 'LS':
      return classifyStageCommand(env, 'LIST');
    case 'RM':
      return classifyStageCommand(env, 'REMOVE');
    case 'CREATE':
      return classifyCreate(env);
    case 'ALTER':
      return classifyAlter(env);
    case 'DROP':
    case 'UNDROP':
      return classifyDrop(env, first);
    case 'GRANT':
    case 'REVOKE':
      return classifyGrant(env, first);
    case 'COMMENT':
      return classifyComment(env);
    case 'EXECUTE':
      return classifyExecute(env);
    case 'CALL':
      return classifyCall(env);
    case 'EXPLAIN':
      return classifyExplain(env);
    case 'DESCRIBE':
    case 'DESC':
      return classifyDescribe(env);
    case 'SHOW':
      env.b.cls = 'SHOW';
      return;
    case 'USE':
      env.b.cls = 'USE';
      return;
    case 'SET':
      return classifyQuery(env, 'SET');
    case 'UNSET':
      env.b.cls = 'UNSET';
      return;
    case 'BEGIN':
    case 'COMMIT':
    case 'ROLLBACK':
      env.b.cls = 'TRANSACTION';
      return;
    case 'START':
      if (wordAt(t, 1) === 'TRANSACTION') {
        env.b.cls = 'TRANSACTION';
        return;
      }
      break;
    default:
      if (isOp(t, 0, '(')) return classifyParenthesised(env);
  }
  // Unknown statement: OTHER, but anything it visibly reads is still reported.
  env.b.cls = 'OTHER';
  scanReads(t, 0, t.length, env.ctx, env.b.reads);
}

/** `(SELECT …) UNION (…)` is a query; `(COPY INTO …)` or any other wrapped statement keeps its own class. */
function classifyParenthesised(env: ClassifyEnv): void {
  const t = env.tokens;
  let i = 0;
  while (isOp(t, i, '(')) i++;
  const w = wordAt(t, i);
  if (w === undefined || w === 'SELECT' || w === 'WITH' || w === 'VALUES') return classifyQuery(env, 'SELECT');
  // drop the wrapping parens that close at the very end (one pass: no quadratic inputs)
  const closes = enclosingCloses(t);
  let end = t.length;
  for (let k = 0; k < i && isOp(t, end - 1, ')') && closes[k + 1] === end - 1; k++) end--;
  const inner = env.classifyRange(i, end);
  env.b.cls = inner.class;
  for (const r of inner.reads) env.b.reads.add(r);
  for (const x of inner.writes) env.b.writes.add(x);
  env.b.adoptInner(inner.inner);
  env.b.adoptFlags(inner);
}

/** WITH cte AS (…) [, …] <SELECT|INSERT|UPDATE|DELETE|MERGE …>. */
function classifyWith(env: ClassifyEnv): void {
  const t = env.tokens;
  let i = 1;
  if (wordAt(t, i) === 'RECURSIVE') i++;
  for (let guard = 0; guard < t.length; guard++) {
    const name = parseName(t, i);
    if (name === undefined) break;
    let k = name.next;
    if (isOp(t, k, '(')) k = skipGroup(t, k);
    if (wordAt(t, k) !== 'AS') break;
    k = isOp(t, k + 1, '(') ? skipGroup(t, k + 1) : k + 1;
    if (!isOp(t, k, ',')) {
      i = k;
      break;
    }
    i = k + 1;
  }
  const main = wordAt(t, i);
  const ctes = collectCtes(t, 0, t.length);
  if (main !== 'SELECT' && main !== undefined) {
    // WITH … INSERT/UPDATE/DELETE/MERGE (or anything else): the main statement decides the class.
    const inner = env.classifyRange(i, t.length);
    env.b.cls = inner.class;
    for (const w of inner.writes) env.b.writes.add(w);
    env.b.adoptInner(inner.inner);
    env.b.adoptFlags(inner);
    scanReads(t, 0, i, env.ctx, env.b.reads, ctes);
    const cteNames = new Set(ctes.map((c) => qualify([{ value: c.name.replace(/^"|"$/g, ''), quoted: c.name.startsWith('"') }], 'schema_object', env.ctx)));
    for (const r of inner.reads) if (!cteNames.has(r)) env.b.reads.add(r);
    return;
  }
  env.b.cls = 'SELECT';
  scanReads(t, 0, t.length, env.ctx, env.b.reads, ctes);
}

/** USE [DATABASE|SCHEMA] name / USE db.schema: the context for the statements after it. */
function useContext(env: ClassifyEnv): SessionContext | undefined {
  const t = env.tokens;
  let i = 1;
  const what = wordAt(t, i);
  if (what === 'SECONDARY') {
    // USE SECONDARY ROLES ALL | NONE | r1, r2
    env.b.use = { kind: 'SECONDARY ROLES', name: t.slice(3).map((x) => (x.kind === 'quoted' ? renderPart({ value: x.value, quoted: true }) : x.value)).join('') || '?' };
    return undefined;
  }
  if (what === 'ROLE' || what === 'WAREHOUSE') {
    const switched = parseName(t, 2);
    env.b.use = { kind: what, name: switched === undefined ? '?' : switched.unresolved !== undefined ? '?' : switched.parts.map(renderPart).join('.') };
    return undefined;
  }
  if (what === 'DATABASE' || what === 'SCHEMA') i++;
  const name = parseName(t, i);
  if (name === undefined) return undefined;
  env.b.use = { kind: what === 'DATABASE' ? 'DATABASE' : 'SCHEMA', name: name.unresolved !== undefined ? '?' : name.parts.map(renderPart).join('.') };
  // USE SCHEMA IDENTIFIER($s): where later unqualified names resolve is not known
  if (name.unresolved !== undefined) return what === 'SCHEMA' ? { ...env.ctx, schema: UNKNOWN_CONTEXT } : { ...env.ctx, ...UNKNOWN };
  const parts = name.parts.map(renderPart);
  if (what === 'SCHEMA') {
    if (parts.length >= 2) return { ...env.ctx, database: parts[parts.length - 2], schema: parts[parts.length - 1] };
    return { ...env.ctx, schema: parts[0] };
  }
  if (what !== 'DATABASE' && parts.length >= 2) return { ...env.ctx, database: parts[parts.length - 2], schema: parts[parts.length - 1] };
  // USE DATABASE d makes PUBLIC the current schema.
  return { ...env.ctx, database: parts[parts.length - 1], schema: 'PUBLIC' };
}
