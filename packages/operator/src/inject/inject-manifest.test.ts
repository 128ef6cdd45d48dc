import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { injectManifest, parsePolicyManifest } from './inject-manifest.js';

const testdata = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const policyText = readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8');
const policy = parsePolicyManifest(policyText);

const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata: { name: hourly, namespace: pipelines }
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: { snowtrail.dev/policy: etl }
        spec:
          serviceAccountName: etl
          restartPolicy: OnFailure
          containers: [{ name: job, image: example/job:1 }]
`;

describe('injectManifest', () => {
  it('injects a CronJob\'s pod template and leaves the rest alone', () => {
    const out = injectManifest(cronJob, policy, {});
    expect(out.result.reasons).toEqual(['injected']);
    const obj = parse(out.yaml);
    const tpl = obj.spec.jobTemplate.spec.template;
    expect(tpl.spec.initContainers[0].name).toBe('snowtrail-sidecar');
    expect(tpl.metadata.annotations['snowtrail.dev/status']).toBe('injected');
    expect(tpl.metadata.namespace).toBeUndefined();
    expect(obj.spec.schedule).toBe('0 * * * *');
    // Injecting the output again changes nothing.
    expect(injectManifest(out.yaml, policy, {}).result.reasons).toEqual(['already_injected']);
  });

  it('rejects manifests without a pod spec and invalid policies with coded errors', () => {
    expect(() => injectManifest('kind: ConfigMap\ndata: {}\n', policy, {})).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID' }));
    expect(() => injectManifest('a: [\n', policy, {})).toThrow(/not valid YAML/);
    expect(() => parsePolicyManifest(policyText.replace('account: myorg-myacct', 'account: ""'))).toThrow(/spec\.snowflake\.account: must NOT have fewer than 1 characters/);
  });
});

describe('snowtrail inject (CLI)', () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'inject', ...args], { cwd: repo }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints the mutated pod, exits 3 when the webhook would deny, 1 on unreadable input', async () => {
    const ok = await run(['--file', `${testdata}job-pod/pod.yaml`, '--policy', `${testdata}job-pod/policy.yaml`]);
    expect(ok.code).toBe(0);
    expect(parse(ok.stdout).spec.initContainers[0].name).toBe('snowtrail-sidecar');
    const denied = await run(['--file', `${testdata}missing-policy/pod.yaml`]);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('policy_not_found');
    expect(denied.stdout).toBe('');
    const missing = await run(['--file', `${testdata}does-not-exist.yaml`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID');
  });
});
