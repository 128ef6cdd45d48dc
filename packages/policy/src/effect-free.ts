/**
 * Effect-free statements: those whose only outcome is their answer. A statement is effect-free
 * when its class only reads (SELECT, SHOW, DESCRIBE, EXPLAIN, LIST), it writes nothing, runs
 * nothing else (no inner, dynamic or scripted statement), opens no egress path, calls no guarded
 * function and was classified completely. Anything else — including what the classifier could not
 * read — is not effect-free: callers treat "not effect-free" as the strict case.
 */
import type { ClassifiedStatement } from './classified-statement.js';
import { isGuardedFunctionObject } from './engine-objects.js';
import type { StatementClass } from './statement-class.js';

/** Classes that only read. */
const READING_CLASSES: ReadonlySet<StatementClass> = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'LIST']);

/** True when this statement's only outcome is its answer (pure). */
export function isEffectFreeStatement(s: ClassifiedStatement): boolean {
  return (
    READING_CLASSES.has(s.class) &&
    s.writes.length === 0 &&
    (s.inner === undefined || s.inner.length === 0) &&
    s.dynamic !== true &&
    s.unclassifiable !== true &&
    s.egress === undefined &&
    s.contextAfter === undefined &&
    !s.reads.some(isGuardedFunctionObject)
  );
}

/** True when every statement of a request is effect-free (an empty request is not). */
export function isEffectFree(statements: readonly ClassifiedStatement[]): boolean {
  return statements.length > 0 && statements.every(isEffectFreeStatement);
}
