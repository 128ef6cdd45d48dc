/**
 * Names the chart, the e2e suite and the docs share with the code: operator flags, the webhook
 * path, probe paths, the Lease name, the sidecar's container and port names, the default image.
 * Each is read from the code (its --help, its exports, or the inject() output), not restated.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { DEFAULT_IMAGE, SIDECAR_CONTAINER, inject, type Pod, type SnowflakeAccessPolicy } from '@snowtrail/operator';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');
const deployment = read('charts/snowtrail/templates/deployment.yaml');
const chartValues = parseYaml(read('charts/snowtrail/values.yaml')) as { image: { repository: string } };
const chartMeta = parseYaml(read('charts/snowtrail/Chart.yaml')) as { appVersion: string };

async function operatorHelp(): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'operator', '--help'], { cwd: root });
  return stdout;
}

/** The sidecar container inject() adds for the e2e Job and policy. */
function injectedSidecar(): { name: string; ports?: { name?: string; containerPort: number }[]; readinessProbe?: { httpGet?: { path: string } } } {
  const policy = parseYaml(read('e2e/manifests/policy.yaml')) as SnowflakeAccessPolicy & { metadata: Record<string, unknown>; status?: unknown };
  policy.metadata.generation = 1;
  policy.status = { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '', lastTransitionTime: '2026-11-26T00:00:00Z', observedGeneration: 1 }] };
  const job = parseAllDocuments(read('e2e/manifests/workloads.yaml')).map((d) => d.toJS() as { kind: string; spec: { template: Pod } }).find((d) => d.kind === 'Job')!;
  const result = inject(structuredClone(job.spec.template), policy, { namespace: 'pipelines' });
  const op = result.patch.find((o) => o.op === 'add' && /^\/spec\/initContainers/.test(o.path));
  const value = (op as { value: unknown } | undefined)?.value;
  const containers = (Array.isArray(value) ? value : [value]) as ReturnType<typeof injectedSidecar>[];
  return containers.find((c) => c?.name === SIDECAR_CONTAINER)!;
}

describe('the chart matches the operator it deploys', () => {
  it('passes only flags that `snowtrail operator` accepts', async () => {
    const help = await operatorHelp();
    const accepted = new Set([...help.matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
    const used = [...deployment.matchAll(/^\s+- (--[a-z][a-z-]*)/gm)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThanOrEqual(8);
    expect(used.filter((f) => !accepted.has(f))).toEqual([]);
  });

  it('uses the cert modes and probe paths the operator serves', async () => {
    const help = await operatorHelp();
    for (const mode of [...deployment.matchAll(/--cert-mode=([a-z-]+)/g)].map((m) => m[1]!)) expect(help).toMatch(new RegExp(`\\b${mode}\\b`));
    for (const path of ['/healthz', '/readyz']) {
      expect(deployment).toContain(`path: ${path}`);
      expect(help).toContain(path);
    }
  });

  it('calls the webhook on the path the operator serves', () => {
    const path = /path: (\/\S+)/.exec(read('charts/snowtrail/templates/mutatingwebhook.yaml'))![1]!;
    expect(read('packages/operator/src/webhook/webhook-server.ts')).toContain(`path === '${path}'`);
  });

  it('lets the operator hold the Lease it campaigns for', () => {
    const lease = /name: options\.lease\?\.name \?\? '([^']+)'/.exec(read('packages/operator/src/operator.ts'))![1]!;
    expect(read('charts/snowtrail/templates/rbac.yaml')).toContain(`resourceNames: [${lease}]`);
  });

  it('defaults to the image the operator and the API contract name', () => {
    expect(`${chartValues.image.repository}:${chartMeta.appVersion}`).toBe(DEFAULT_IMAGE);
  });
});

describe('monitoring and runbooks match the injected sidecar', () => {
  const sidecar = injectedSidecar();

  it('scrapes the port name the injected sidecar declares', () => {
    const port = /- port: (\S+)/.exec(read('charts/snowtrail/templates/podmonitor.yaml'))![1]!;
    expect(sidecar.ports?.map((p) => p.name)).toContain(port);
  });

  it('names the sidecar container and admin port the way the pod has them', () => {
    const admin = sidecar.ports!.find((p) => p.name === 'snowtrail-admin')!.containerPort;
    for (const doc of ['docs/runbook.md', 'e2e/run.sh']) {
      const text = read(doc);
      expect({ doc, container: text.includes(SIDECAR_CONTAINER) }).toEqual({ doc, container: true });
      expect({ doc, admin: text.includes(`:${admin}`) }).toEqual({ doc, admin: true });
    }
  });
});
