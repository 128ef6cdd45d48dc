import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';
import type { ClassifiedStatement } from './classified-statement.js';
import { decide } from './decide.js';
import { statementPolicySchema } from './rules-schema.js';
import { CORPUS, CORPUS_CONTEXT, type ExpectedStatement } from './testdata/corpus.js';

/** The comparable shape of a classified statement: sorted object sets, inner statements recursively. */
function shape(s: ClassifiedStatement): ExpectedStatement {
  const out: ExpectedStatement = { class: s.class, reads: [...s.reads].sort(), writes: [...s.writes].sort() };
  if (s.via) out.via = s.via;
  if (s.dynamic) out.dynamic = true;
  if (s.changesSearchPath) out.changesSearchPath = true;
  if (s.inner) out.inner = s.inner.map(shape);
  return out;
}

const allowAll = statementPolicySchema.parse({ defaultAction: 'allow' });
const expectedReason = { benign: undefined, exfiltration: 'exfiltration_denied', dynamic: 'dynamic_sql_denied', search_path: 'search_path_denied', unresolved: 'unresolved_object_denied' } as const;

describe('statement corpus', () => {
  it('holds at least 150 cases with unique names, benign and exfiltration alike', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
    expect(CORPUS.filter((c) => c.kind === 'exfiltration').length).toBeGreaterThanOrEqual(50);
    expect(CORPUS.filter((c) => c.tags.includes('obfuscated')).length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS.map((c) => [`${c.name} ${c.sql.slice(0, 60).replace(/\s+/g, ' ')}`, c] as const))('%s', (_label, c) => {
    const statements = classifySql(c.sql, c.ctx ?? CORPUS_CONTEXT);
    expect(statements.map(shape)).toEqual(c.statements);
    const decision = decide(statements, allowAll);
    if (c.kind === 'benign') expect(decision.action).toBe('allow');
    else expect(decision).toMatchObject({ action: 'deny', reasonKey: expectedReason[c.kind] });
  });
});
