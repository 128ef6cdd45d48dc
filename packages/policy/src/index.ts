/** Public API of @snowtrail/policy: statement classes, rule schema, tokenizer, classifier, decide. */
export * from './statement-class.js';
export * from './rules-schema.js';
export { tokenize, type Token, type TokenKind, type TokenizeResult, type TokenizeOptions } from './tokenizer.js';
export { splitStatements, splitTokenRanges, type TokenRange } from './split-statements.js';
export { classifySql, MAX_NESTING, type SessionContext } from './classify.js';
export type { ClassifiedStatement, InnerVia, SessionSwitch } from './classified-statement.js';
export { decide, DECISION_REASONS, type Decision } from './decide.js';
export { compileObjectPattern, checkObjectPattern, type ObjectPattern } from './object-pattern.js';
export { createResultLimiter, type ResultLimiter } from './result-limiter.js';
export { POLICY_ERRORS, PolicyError, findPolicyProblems, assertValidPolicy } from './errors.js';
export { DBT_EXAMPLE_POLICY } from './dbt-example-policy.js';
export { isEffectFree, isEffectFreeStatement } from './effect-free.js';
export { FUNCTION_CLASSES, UNRESOLVED_REASONS, functionClassOf, type FunctionClass, type UnresolvedReason } from './engine-objects.js';
