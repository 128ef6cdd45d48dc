import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertValidPolicy, findPolicyProblems, POLICY_ERRORS } from './errors.js';
import { statementPolicySchema } from './rules-schema.js';

describe('policy errors', () => {
  it('names every bad object pattern by its key', () => {
    const p = statementPolicySchema.parse({ statements: [{ action: 'allow', objects: ['RAW.**', 'RAW..X'] }, { action: 'deny', objects: ['"open'] }] });
    expect(findPolicyProblems(p)).toEqual(['statements[0].objects[1]: empty name part', 'statements[1].objects[0]: unbalanced double quote']);
    expect(() => assertValidPolicy(p)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_POLICY_INVALID_PATTERN' }));
    expect(() => assertValidPolicy(statementPolicySchema.parse({ statements: [{ action: 'allow', objects: ['@RAW.*.*', 's3://b/**'] }] }))).not.toThrow();
  });

  it('documents exactly the codes the package defines', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors/policy.md', import.meta.url)), 'utf8');
    const documented = [...doc.matchAll(/SNOWTRAIL_ERR_POLICY_[A-Z_]+/g)].map((m) => m[0]);
    expect([...new Set(documented)].sort()).toEqual(Object.values(POLICY_ERRORS).sort());
  });
});
