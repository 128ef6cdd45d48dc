import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUTH_FAILURE_REASONS } from './auth-reasons.js';
import { SIDECAR_ERRORS, SIDECAR_SF_CODES } from './errors.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors/sidecar.md', import.meta.url)), 'utf8');

describe('sidecar errors and their documentation', () => {
  it('documents exactly the SNOWTRAIL_ERR_SIDECAR_* codes the package defines', () => {
    const documented = [...doc.matchAll(/SNOWTRAIL_ERR_SIDECAR_[A-Z_]+/g)].map((m) => m[0]);
    expect([...new Set(documented)].sort()).toEqual(Object.values(SIDECAR_ERRORS).sort());
  });

  it('documents every Snowflake envelope code and every login refusal reason the sidecar uses', () => {
    for (const code of Object.values(SIDECAR_SF_CODES)) expect(doc).toContain(`| \`${code}\``);
    for (const reason of Object.keys(AUTH_FAILURE_REASONS)) expect(doc).toContain(`\`${reason}\``);
  });
});
