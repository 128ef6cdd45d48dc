import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { OPERATOR_ERRORS } from './errors.js';
import { INJECT_REASONS } from './inject/reasons.js';
import { READY_REASONS } from './crd/conditions.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors/operator.md', import.meta.url)), 'utf8');
const srcDir = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}/${f}`;
    if (statSync(p).isDirectory()) return sources(p);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') ? [p] : [];
  });
}

describe('operator error codes', () => {
  it('documents every code the package defines, and defines every documented code', () => {
    const documented = [...doc.matchAll(/`(SNOWTRAIL_ERR_OPERATOR_[A-Z_]+)`/g)].map((m) => m[1]).sort();
    expect([...new Set(documented)]).toEqual(Object.values(OPERATOR_ERRORS).sort());
  });

  it('uses no operator code outside the table in the source', () => {
    const used = new Set(sources(srcDir).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/SNOWTRAIL_ERR_OPERATOR_[A-Z_]+/g)].map((m) => m[0])));
    for (const code of used) expect(Object.values(OPERATOR_ERRORS)).toContain(code);
  });
});

describe('reason keys', () => {
  const operatorDoc = readFileSync(fileURLToPath(new URL('../../../docs/operator.md', import.meta.url)), 'utf8');
  it('documents every admission reason and every Ready reason in docs/operator.md', () => {
    for (const r of [...Object.keys(INJECT_REASONS), ...Object.keys(READY_REASONS)]) expect(operatorDoc).toContain(`\`${r}\``);
  });
});
