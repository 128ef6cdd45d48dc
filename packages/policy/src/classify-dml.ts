import type { ClassifyEnv } from './classify-env.js';
import { functionClassOf, functionObject, unresolvedObject } from './engine-objects.js';
import { isLocationString, parseName, qualify, qualifyStage, qualifyTableStage } from './object-names.js';
import { parseObjectKind, renderObject } from './object-types.js';
import { scanReads } from './query-reads.js';
import { findWord, isOp, skipGroup, skipIfExists, skipWords, wordAt } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/** Handlers for queries, DML, COPY and the stage file commands. */

/** A stage or location written as a token: `@s/p`, `'@s/p'`, `'s3://b/p'`; undefined otherwise. */
export function locationOf(t: Token | undefined, env: ClassifyEnv): string | undefined {
  if (t === undefined) return undefined;
  if (t.kind === 'stage') return qualifyStage(t.text, env.ctx);
  if (t.kind === 'string') {
    const v = t.value.trim();
    if (v.startsWith('@')) return qualifyStage(v, env.ctx);
    if (isLocationString(v)) return v;
  }
  return undefined;
}

/** SELECT, a parenthesised query, VALUES, and SET (whose expressions may hold subqueries). */
export function classifyQuery(env: ClassifyEnv, cls: 'SELECT' | 'SET'): void {
  env.b.cls = cls;
  scanReads(env.tokens, 0, env.tokens.length, env.ctx, env.b.reads);
}

/** Write a table named at `i`; returns the index after the name (or `i`). */
function writeTarget(env: ClassifyEnv, i: number): number {
  const name = parseName(env.tokens, i);
  if (name === undefined) {
    env.b.writes.add('?'); // a statement that changes something always names a written object
    return i;
  }
  env.b.writes.add(qualify(name.parts, 'schema_object', env.ctx));
  return name.next;
}

/** INSERT [OVERWRITE] INTO t …, and INSERT [OVERWRITE] ALL|FIRST … INTO t1 … INTO t2 … SELECT. */
export function classifyInsert(env: ClassifyEnv): void {
  const t = env.tokens;
  let i = 1;
  if (wordAt(t, i) === 'OVERWRITE') i++;
  if (wordAt(t, i) === 'ALL' || wordAt(t, i) === 'FIRST') {
    env.b.cls = 'MULTI_INSERT';
    for (let j = i; j < t.length; j++) {
      if (wordAt(t, j) === 'INTO') writeTarget(env, j + 1);
    }
    scanReads(t, i, t.length, env.ctx, env.b.reads);
    return;
  }
  env.b.cls = 'INSERT';
  if (wordAt(t, i) === 'INTO') i++;
  const next = writeTarget(env, i);
  scanReads(t, next, t.length, env.ctx, env.b.reads);
}

/** UPDATE t SET … [FROM …], DELETE FROM t [USING …], MERGE INTO t USING …, TRUNCATE [TABLE] t. */
export function classifyDml(env: ClassifyEnv, verb: 'UPDATE' | 'DELETE' | 'MERGE' | 'TRUNCATE'): void {
  const t = env.tokens;
  env.b.cls = verb;
  let i = 1;
  if (verb === 'DELETE') i = skipWords(t, i, ['FROM']);
  if (verb === 'MERGE') i = skipWords(t, i, ['INTO']);
  if (verb === 'TRUNCATE') i = skipIfExists(t, skipWords(t, i, ['TABLE']));
  const next = writeTarget(env, i);
  if (verb !== 'TRUNCATE') scanReads(t, next, t.length, env.ctx, env.b.reads);
}

/**
 * COPY INTO <table> FROM <stage|location|(query)> loads; COPY INTO <stage|location> FROM
 * <table|(query)> unloads; COPY FILES INTO @a FROM @b moves files between stages.
 */
export function classifyCopy(env: ClassifyEnv): void {
  const t = env.tokens;
  let i = 1;
  const files = wordAt(t, i) === 'FILES';
  if (files) i++;
  i = skipWords(t, i, ['INTO']);
  const target = locationOf(t[i], env);
  const targetName = target === undefined ? parseName(t, i) : undefined;
  let afterTarget: number;
  if (target === undefined && !files && (targetName === undefined || targetName.unresolved !== undefined)) {
    // The target is not visible (IDENTIFIER($v), a bind, a variable): a load reads a stage or
    // location, an unload reads a table or query, so the source decides which one this is.
    classifyCopyBySource(env, i, targetName);
    return;
  }
  if (target !== undefined || files) {
    env.b.cls = 'COPY_INTO_LOCATION';
    if (target !== undefined) env.b.writes.add(target);
    afterTarget = i + 1;
  } else {
    env.b.cls = 'COPY_INTO_TABLE';
    const name = parseName(t, i);
    afterTarget = i;
    if (name !== undefined) {
      env.b.writes.add(qualify(name.parts, 'schema_object', env.ctx));
      afterTarget = name.next;
      if (isOp(t, afterTarget, '(')) afterTarget = skipGroup(t, afterTarget);
    }
  }
  const from = findWord(t, afterTarget, ['FROM']);
  if (from < 0) {
    // COPY INTO mytable without FROM loads from the table's own stage.
    const name = parseName(t, i);
    if (env.b.cls === 'COPY_INTO_TABLE' && name !== undefined) env.b.reads.add(qualifyTableStage(name.parts, env.ctx));
    return;
  }
  const src = t[from + 1];
  const loc = locationOf(src, env);
  if (loc !== undefined) env.b.reads.add(loc);
  else if (isOp(t, from + 1, '(')) scanReads(t, from + 1, skipGroup(t, from + 1), env.ctx, env.b.reads);
  else {
    const name = parseName(t, from + 1);
    if (name !== undefined) env.b.reads.add(qualify(name.parts, 'schema_object', env.ctx));
  }
  // any other stage named in the options (e.g. a transformation's FROM) is read too
  scanReads(t, from + 2, t.length, env.ctx, env.b.reads);
}

function classifyCopyBySource(env: ClassifyEnv, i: number, targetName: ReturnType<typeof parseName>): void {
  const t = env.tokens;
  const next = targetName?.next ?? i + 1;
  const from = findWord(t, next, ['FROM']);
  const src = from >= 0 ? t[from + 1] : undefined;
  const srcLoc = locationOf(src, env);
  const reads = new Set<string>();
  if (srcLoc !== undefined) reads.add(srcLoc);
  else if (from >= 0 && isOp(t, from + 1, '(')) scanReads(t, from + 1, skipGroup(t, from + 1), env.ctx, reads);
  else if (from >= 0) {
    const name = parseName(t, from + 1);
    if (name !== undefined) reads.add(qualify(name.parts, 'schema_object', env.ctx));
  }
  const loads = [...reads].some((r) => r.startsWith('@') || isLocationString(r));
  env.b.cls = loads ? 'COPY_INTO_TABLE' : 'COPY_INTO_LOCATION';
  env.b.dynamic = true;
  for (const r of reads) env.b.reads.add(r);
  env.b.writes.add(targetName !== undefined ? qualify(targetName.parts, 'schema_object', env.ctx) : unresolvedObject('dynamic_target'));
}

/** PUT file://… @stage writes the stage; GET @stage file://… and LIST read it; REMOVE writes it. */
export function classifyStageCommand(env: ClassifyEnv, cls: 'PUT' | 'GET' | 'LIST' | 'REMOVE'): void {
  env.b.cls = cls;
  const t = env.tokens;
  for (let i = 1; i < t.length; i++) {
    const loc = locationOf(t[i], env);
    if (loc === undefined || !loc.startsWith('@')) continue;
    if (cls === 'PUT' || cls === 'REMOVE') env.b.writes.add(loc);
    else env.b.reads.add(loc);
    return;
  }
  if (cls === 'PUT' || cls === 'REMOVE') env.b.writes.add('?');
}

/** CALL proc(args): reads the procedure (what it does inside is not visible here). */
export function classifyCall(env: ClassifyEnv): void {
  env.b.cls = 'CALL';
  const name = parseName(env.tokens, 1);
  // Built-in procedures (SYSTEM$SEND_EMAIL …) are classified functions, not objects of the current
  // schema; what they do is known by their class. Any other procedure runs code not visible here.
  const fn = name !== undefined && name.parts.length === 1 && !name.parts[0]!.quoted ? functionClassOf(name.parts[0]!.value) : undefined;
  if (fn !== undefined) env.b.reads.add(functionObject(fn, name!.parts[0]!.value));
  else {
    env.b.dynamic = true;
    env.b.reads.add(name !== undefined ? qualify(name.parts, 'schema_object', env.ctx) : unresolvedObject('expression_name'));
  }
  scanReads(env.tokens, name?.next ?? 1, env.tokens.length, env.ctx, env.b.reads);
}

/** EXECUTE IMMEDIATE '<sql>' | $$<sql>$$ | :var | FROM @stage/file, and EXECUTE TASK t. */
export function classifyExecute(env: ClassifyEnv): void {
  const t = env.tokens;
  const what = wordAt(t, 1);
  if (what === 'TASK') {
    env.b.cls = 'EXECUTE_TASK';
    env.b.dynamic = true;
    const name = parseName(t, 2);
    if (name !== undefined) env.b.reads.add(qualify(name.parts, 'schema_object', env.ctx));
    return;
  }
  if (what !== 'IMMEDIATE') {
    // EXECUTE NOTEBOOK / ALERT / DBT PROJECT …: runs code that is not visible here
    env.b.cls = 'OTHER';
    env.b.dynamic = true;
    const name = parseName(t, 2);
    if (name !== undefined) env.b.reads.add(qualify(name.parts, 'schema_object', env.ctx));
    return;
  }
  env.b.cls = 'EXECUTE_IMMEDIATE';
  const arg = t[2];
  if (arg?.kind === 'string') {
    env.b.addInner(env.classifyText(arg.value), 'execute_immediate', true);
    // 'SEL' || 'ECT …': only a lone literal (optionally followed by USING) is fully visible.
    if (t.length > 3 && wordAt(t, 3) !== 'USING') env.b.dynamic = true;
    return;
  }
  env.b.dynamic = true;
  if (wordAt(t, 2) === 'FROM') {
    const loc = locationOf(t[3], env);
    if (loc !== undefined) env.b.reads.add(loc);
  }
}

/** EXPLAIN [USING TEXT|JSON|TABULAR] <statement>: reads what the explained statement would read. */
export function classifyExplain(env: ClassifyEnv): void {
  env.b.cls = 'EXPLAIN';
  let i = 1;
  if (wordAt(env.tokens, i) === 'USING') i += 2;
  const inner = env.classifyRange(i, env.tokens.length);
  for (const r of inner.reads) env.b.reads.add(r);
}

/** DESCRIBE|DESC [kind] name: reads the described object (DESC RESULT reads nothing). */
export function classifyDescribe(env: ClassifyEnv): void {
  env.b.cls = 'DESCRIBE';
  const t = env.tokens;
  if (wordAt(t, 1) === 'RESULT' || wordAt(t, 1) === 'SEARCH') return;
  const kind = parseObjectKind(t, 1);
  const name = parseName(t, kind?.next ?? 1);
  if (name !== undefined) env.b.reads.add(renderObject(name.parts, kind?.kind, env.ctx));
}
