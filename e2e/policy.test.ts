import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { compileCrdSchema, formatAjvErrors } from '@snowtrail/operator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

interface Crd { spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] } }

// The CRD the chart installs (identical to crds/, checked in chart.test.ts), strict like `kubectl apply --validate=strict`.
const crd = parseYaml(read('charts/snowtrail/crds/snowflakeaccesspolicies.snowtrail.dev.yaml')) as Crd;
const validate = compileCrdSchema(crd.spec.versions.find((v) => v.name === 'v1alpha1')!.schema.openAPIV3Schema as never);

function check(policy: unknown): string[] {
  const copy = structuredClone(policy);
  return validate(copy) ? [] : formatAjvErrors(validate.errors);
}

/** Every SnowflakeAccessPolicy in the ```yaml blocks of a Markdown page. */
function policiesInMarkdown(path: string): unknown[] {
  const blocks = [...read(path).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => parseAllDocuments(b).map((d) => d.toJS() as { kind?: string }))
    .filter((d) => d?.kind === 'SnowflakeAccessPolicy');
}

describe('sample policies match the CRD that is installed', () => {
  it('e2e/manifests/policy.yaml is a valid SnowflakeAccessPolicy', () => {
    const policy = parseYaml(read('e2e/manifests/policy.yaml')) as { apiVersion: string };
    expect(policy.apiVersion).toBe('snowtrail.dev/v1alpha1');
    expect(check(policy)).toEqual([]);
  });

  it('the quick start policy is valid', () => {
    const policies = policiesInMarkdown('docs/quickstart.md');
    expect(policies).toHaveLength(1);
    expect(check(policies[0])).toEqual([]);
  });

  it('a misspelled field is rejected (the check is strict)', () => {
    const policy = parseYaml(read('e2e/manifests/policy.yaml')) as { spec: { recording: Record<string, unknown> } };
    policy.spec.recording.objectlock = policy.spec.recording.objectLock;
    delete policy.spec.recording.objectLock;
    expect(check(policy).join('\n')).toMatch(/objectlock/);
  });
});
