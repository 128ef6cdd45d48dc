import { SnowtrailError } from '@snowtrail/protocol';
import { checkObjectPattern } from './object-pattern.js';
import type { StatementPolicy } from './rules-schema.js';

/** Error codes of @snowtrail/policy; see docs/errors/policy.md. */
export const POLICY_ERRORS = {
  invalidPattern: 'SNOWTRAIL_ERR_POLICY_INVALID_PATTERN',
} as const;

/** A policy that cannot be enforced as written; `issues` name each offending key. */
export class PolicyError extends SnowtrailError {
  readonly issues: readonly string[];
  constructor(code: string, message: string, issues: readonly string[] = []) {
    super(code, message);
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

/**
 * Problems a schema cannot see: object patterns that are empty, have an empty name part or an
 * unbalanced quote. Each issue names its key (`statements[2].objects[0]: empty name part`).
 */
export function findPolicyProblems(policy: StatementPolicy): string[] {
  const issues: string[] = [];
  (policy.statements ?? []).forEach((rule, i) => {
    (rule.objects ?? []).forEach((pattern, j) => {
      const problem = checkObjectPattern(pattern);
      if (problem !== undefined) issues.push(`statements[${i}].objects[${j}]: ${problem}`);
    });
  });
  return issues;
}

/** Throw a {@link PolicyError} naming every problem, so a bad policy stops start-up or a reload. */
export function assertValidPolicy(policy: StatementPolicy): void {
  const issues = findPolicyProblems(policy);
  if (issues.length > 0) throw new PolicyError(POLICY_ERRORS.invalidPattern, `invalid object pattern: ${issues.join('; ')}`, issues);
}
