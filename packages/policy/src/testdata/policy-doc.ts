/**
 * The generated parts of docs/policy.md: the dbt example policy as YAML and the decision corpus's
 * counts per class. A test renders them and fails when the doc differs (UPDATE_DOCS=1 rewrites it),
 * so the numbers in the doc are always the ones the engine produces.
 */
import type { StatementPolicyInput } from '../rules-schema.js';
import { DECISION_CLASS_TEXT, type DecisionCase } from './decision-case.js';

/** Replace the text between `<!-- key:start -->` and `<!-- key:end -->` (markers kept). */
export function replaceBetween(doc: string, key: string, body: string): string {
  const start = `<!-- ${key}:start -->`;
  const end = `<!-- ${key}:end -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/policy.md has no ${start} … ${end} section`);
  return `${doc.slice(0, a + start.length)}\n${body}${doc.slice(b)}`;
}

/** The per-class table: cases, denied as expected, allowed as expected, and any that differ. */
export function renderCorpusCounts(cases: readonly DecisionCase[], asExpected: (c: DecisionCase) => boolean): string {
  const lines = ['| class | what it tries | cases | denied as expected | allowed as expected | not as expected |', '| --- | --- | --- | --- | --- | --- |'];
  const totals = [0, 0, 0, 0];
  for (const cls of Object.keys(DECISION_CLASS_TEXT) as DecisionCase['cls'][]) {
    const mine = cases.filter((c) => c.cls === cls);
    const ok = mine.filter(asExpected);
    const row = [mine.length, ok.filter((c) => c.expect === 'deny').length, ok.filter((c) => c.expect === 'allow').length, mine.length - ok.length];
    row.forEach((n, i) => (totals[i] = (totals[i] ?? 0) + n));
    lines.push(`| \`${cls}\` | ${DECISION_CLASS_TEXT[cls]} | ${row.join(' | ')} |`);
  }
  lines.push(`| **all** | | ${totals.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

function yamlList(items: readonly string[]): string {
  return `[${items.map((i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(i) ? i : `'${i}'`)).join(', ')}]`;
}

/** The policy as the YAML a platform team writes (the subset of YAML this shape needs). */
export function renderPolicyYaml(p: StatementPolicyInput): string {
  const out = ['```yaml', `defaultAction: ${p.defaultAction ?? 'allow'}`, 'statements:'];
  for (const r of p.statements ?? []) {
    out.push(`  - name: ${r.name ?? ''}`, `    action: ${r.action}`);
    if (r.classes) out.push(`    classes: ${yamlList(r.classes)}`);
    if (r.objects) out.push(`    objects: ${yamlList(r.objects)}`);
    if (r.access) out.push(`    access: ${r.access}`);
  }
  out.push('```');
  return `${out.join('\n')}\n`;
}
