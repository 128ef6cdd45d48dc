import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { classifySql } from './classify.js';
import { DBT_EXAMPLE_POLICY } from './dbt-example-policy.js';
import { decide, DECISION_REASONS, type Decision } from './decide.js';
import { statementPolicySchema } from './rules-schema.js';
import { DBT } from './testdata/dbt-corpus.js';
import { DECISION_CLASS_TEXT, type DecisionCase } from './testdata/decision-case.js';
import { HOSTILE } from './testdata/hostile-corpus.js';
import { renderCorpusCounts, renderPolicyYaml, replaceBetween } from './testdata/policy-doc.js';
import { tokenize } from './tokenizer.js';

const CONTEXT = { database: 'ANALYTICS', schema: 'PUBLIC' };
const POLICIES = { dbt: statementPolicySchema.parse(DBT_EXAMPLE_POLICY), allow_all: statementPolicySchema.parse({ defaultAction: 'allow' }) };
const CASES: DecisionCase[] = [...HOSTILE, ...DBT];
const DOC = fileURLToPath(new URL('../../../docs/policy.md', import.meta.url));

function decideCase(c: DecisionCase, sql = c.sql): Decision {
  return decide(classifySql(sql, CONTEXT), POLICIES[c.policy ?? 'dbt']);
}

function matches(c: DecisionCase, d: Decision): boolean {
  return d.action === c.expect && d.reasonKey === c.reasonKey && (c.expect === 'allow' || (d.statementIndex ?? 0) === (c.statementIndex ?? 0));
}

describe('decision corpus (hostile and dbt/ELT statements under the dbt example policy)', () => {
  it('holds every class with unique names: 140+ hostile, 140+ ordinary', () => {
    expect(new Set(CASES.map((c) => `${c.cls}/${c.name}`)).size).toBe(CASES.length);
    expect(HOSTILE.length).toBeGreaterThanOrEqual(140);
    expect(DBT.length).toBeGreaterThanOrEqual(140);
    for (const cls of Object.keys(DECISION_CLASS_TEXT)) expect(CASES.some((c) => c.cls === cls)).toBe(true);
  });

  it.each(CASES.map((c) => [`${c.cls}/${c.name}`, c] as const))('%s', (_label, c) => {
    const d = decideCase(c);
    expect({ action: d.action, reasonKey: d.reasonKey, statementIndex: c.expect === 'deny' ? (d.statementIndex ?? 0) : undefined }).toEqual({
      action: c.expect,
      reasonKey: c.reasonKey,
      statementIndex: c.expect === 'deny' ? (c.statementIndex ?? 0) : undefined,
    });
  });

  it('docs/policy.md shows the dbt example policy and the per-class counts this corpus produces (UPDATE_DOCS=1 rewrites them)', () => {
    const counts = renderCorpusCounts(CASES, (c) => matches(c, decideCase(c)));
    let doc = readFileSync(DOC, 'utf8');
    const updated = replaceBetween(replaceBetween(doc, 'corpus-counts', counts), 'dbt-policy', renderPolicyYaml(DBT_EXAMPLE_POLICY));
    if (process.env['UPDATE_DOCS'] === '1' && updated !== doc) {
      writeFileSync(DOC, updated);
      doc = updated;
    }
    expect(doc).toBe(updated);
  });

  it('docs/policy.md explains every reason key the engine gives', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const key of DECISION_REASONS) expect(doc).toContain(`\`${key}\``);
  });

  it('crds/samples/dbt.yaml carries the same rules as the dbt example policy', () => {
    const sample = readFileSync(fileURLToPath(new URL('../../../crds/samples/dbt.yaml', import.meta.url)), 'utf8');
    const rules = renderPolicyYaml(DBT_EXAMPLE_POLICY).split('\n').filter((l) => l !== '' && !l.startsWith('```')).map((l) => `  ${l}`).join('\n');
    expect(sample).toContain(rules);
  });
});

/** Words after which a lone word is a table name, and words that are never one there. */
const NAME_BEFORE = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'VIEW', 'USING', 'CLONE', 'LIKE', 'TASK']);
const NOT_NAMES = new Set(['LATERAL', 'SELECT', 'WITH', 'VALUES', 'TABLE', 'IDENTIFIER', 'IF', 'OR', 'ALL', 'FIRST', 'OVERWRITE', 'TEMPLATE', 'SCHEMA', 'DATABASE']);

/** Separators that Snowflake reads as whitespace between tokens. */
const SEPARATORS = [' ', '  ', '\n', '\t', ' /* c */ ', ' /**/ ', ' -- note\n', '\r\n'];

/**
 * An equivalent text: every token boundary gets whitespace or a comment, unquoted words change
 * case, and parts of dotted names are written quoted in their folded (upper-case) form.
 */
function obfuscate(sql: string, seps: readonly number[], cases: readonly boolean[], quote: readonly boolean[]): string {
  const { tokens } = tokenize(sql);
  let out = '';
  tokens.forEach((t, i) => {
    let text = t.text;
    const dotted = tokens[i - 1]?.value === '.' || tokens[i + 1]?.value === '.';
    // a lone name where a table goes (FROM orders, JOIN t, INTO t): not a call, not a keyword
    const lone = NAME_BEFORE.has(tokens[i - 1]?.value ?? '') && tokens[i + 1]?.value !== '(' && !NOT_NAMES.has(t.value);
    const partOfName = t.kind === 'word' && (dotted || lone) && tokens[i - 1]?.kind !== 'stage';
    if (t.kind === 'word' && partOfName && quote[i % quote.length]) text = `"${t.value}"`;
    else if (t.kind === 'word') text = [...text].map((ch, k) => (cases[(i + k) % cases.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
    out += (i === 0 ? '' : SEPARATORS[seps[i % seps.length]!]!) + text;
  });
  return out;
}

describe('property: comments, whitespace, case and quoting never turn a deny into an allow', () => {
  const denied = HOSTILE.filter((c) => c.expect === 'deny');
  it.each(denied.map((c) => [`${c.cls}/${c.name}`, c] as const))('%s', (_label, c) => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: SEPARATORS.length - 1 }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        (seps, cases, quote) => {
          const sql = obfuscate(c.sql, seps, cases, quote);
          expect(decideCase(c, sql).action).toBe('deny');
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('property: the same rewriting keeps an ordinary dbt/ELT statement allowed', () => {
  it.each(DBT.map((c) => [`${c.cls}/${c.name}`, c] as const))('%s', (_label, c) => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: SEPARATORS.length - 1 }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        (seps, cases, quote) => {
          expect(decideCase(c, obfuscate(c.sql, seps, cases, quote)).action).toBe('allow');
        },
      ),
      { numRuns: 20, seed: 11 },
    );
  });
});
