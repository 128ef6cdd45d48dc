/**
 * `snowtrail inject` on YAML streams: pods and workload templates injected by the operator's own
 * pure function, other objects passed through as written, stdin and both output formats.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parsePolicyManifest } from '@snowtrail/operator';
import { injectStream } from '../src/inject/inject-stream.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const policyFile = `${root}packages/operator/testdata/inject/deployment-pod/policy.yaml`;
const policy = parsePolicyManifest(readFileSync(policyFile, 'utf8'));
const options = { namespace: 'pipelines', image: 'ghcr.io/snowtrail/snowtrail:0.1.0' };

const podSpec = `
      serviceAccountName: etl
      containers:
        - name: etl
          image: ghcr.io/example/etl:1.4.2`;
const workload = (kind: string, apiVersion: string, wrap: (tpl: string) => string): string => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: etl
  namespace: pipelines
spec:
${wrap(`template:
  metadata:
    annotations:
      snowtrail.dev/policy: etl
  spec:${podSpec.replace(/\n {6}/g, '\n    ')}`)}`;
const indent = (text: string, n: number): string => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const SERVICE = `# the Service stays exactly as written
apiVersion: v1
kind: Service
metadata:
  name: etl   # trailing comment
spec:
  ports: [{ port: 80 }]
`;

/** The init containers of the pod template of an injected object. */
const sidecarsOf = (obj: any): string[] => { // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped manifests
  const tpl = obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template : obj.kind === 'Pod' ? obj : obj.spec.template;
  return (tpl.spec.initContainers ?? []).map((c: { name: string }) => c.name);
};

describe('injectStream', () => {
  it.each([
    ['Deployment', workload('Deployment', 'apps/v1', (t) => indent(t, 2))],
    ['StatefulSet', workload('StatefulSet', 'apps/v1', (t) => indent(`serviceName: etl\n${t}`, 2))],
    ['Job', workload('Job', 'batch/v1', (t) => indent(t, 2))],
    ['CronJob', workload('CronJob', 'batch/v1', (t) => indent(`schedule: "0 3 * * *"\njobTemplate:\n  spec:\n${indent(t, 4)}`, 2))],
  ])('injects the pod template of a %s', (kind, manifest) => {
    const out = injectStream(manifest, policy, options, 'in.yaml');
    expect(out.allowed).toBe(true);
    expect(out.reports.map((r) => r.result?.reasons)).toEqual([['injected']]);
    expect(sidecarsOf(out.objects[0])).toEqual(['snowtrail-sidecar']);
    expect((out.objects[0] as { kind: string }).kind).toBe(kind);
  });

  it('injects the Deployment of a multi-document stream and leaves the Service as written', () => {
    const stream = `${SERVICE}---\n${workload('Deployment', 'apps/v1', (t) => indent(t, 2))}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg }\ndata: { a: "1" }\n`;
    const out = injectStream(stream, policy, options, 'in.yaml');
    expect(out.reports.map((r) => [r.object, r.result?.reasons ?? 'untouched'])).toEqual([
      ['in.yaml: Service/etl (document 1)', 'untouched'],
      ['in.yaml: Deployment/etl (document 2)', ['injected']],
      ['in.yaml: ConfigMap/cfg (document 3)', 'untouched'],
    ]);
    const yaml = out.render('yaml');
    expect(yaml.startsWith(SERVICE)).toBe(true);
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(['Service', 'Deployment', 'ConfigMap']);
    expect(sidecarsOf(docs[1])).toEqual(['snowtrail-sidecar']);
    const json = JSON.parse(out.render('json')) as { kind: string; items: { kind: string }[] };
    expect([json.kind, json.items.map((i) => i.kind)]).toEqual(['List', ['Service', 'Deployment', 'ConfigMap']]);
  });

  it('injects the items of a List (kubectl get -o yaml)', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${indent(`- ${workload('Job', 'batch/v1', (t) => indent(t, 2)).replace(/\n/g, '\n  ')}`, 0)}\n`;
    const out = injectStream(list, policy, options, 'list.yaml');
    expect(sidecarsOf((out.objects[0] as { items: unknown[] }).items[0])).toEqual(['snowtrail-sidecar']);
  });

  it('fails closed: one denied pod makes the whole stream denied', () => {
    const other = workload('Job', 'batch/v1', (t) => indent(t, 2)).replace('serviceAccountName: etl', 'serviceAccountName: intruder').replace('name: etl', 'name: other');
    const out = injectStream(`${workload('Deployment', 'apps/v1', (t) => indent(t, 2))}\n---\n${other}`, policy, options, 'in.yaml');
    expect(out.allowed).toBe(false);
    expect(out.reports.map((r) => r.result?.reasons)).toEqual([['injected'], ['subject_not_allowed']]);
  });

  it('refuses malformed YAML with the manifest error code, naming the document', () => {
    expect(() => injectStream(`${SERVICE}---\nkind: [unclosed\n`, policy, options, 'in.yaml')).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID', message: expect.stringContaining('document 2') }));
    expect(() => injectStream('', policy, options, 'in.yaml')).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID' }));
  });
});

describe('snowtrail inject (the command)', () => {
  it('reads a stream from stdin (-f -) and prints JSON with -o json', () => {
    const stream = `${SERVICE}---\n${workload('Job', 'batch/v1', (t) => indent(t, 2))}\n`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'inject', '-f', '-', '-p', policyFile, '-o', 'json'], { cwd: root, input: stream, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { kind: string; items: unknown[] };
    expect(out.kind).toBe('List');
    expect(sidecarsOf(out.items[1])).toEqual(['snowtrail-sidecar']);
    expect(run.stderr).toContain('stdin: Service/etl (document 1) unchanged (no pod)');
  });
});
