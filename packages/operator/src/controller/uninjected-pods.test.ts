/* eslint-disable @typescript-eslint/no-explicit-any -- pods are built as untyped YAML */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { parse } from 'yaml';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { inject } from '../inject/inject.js';
import { UninjectedPodTracker, isUninjected } from './uninjected-pods.js';

const testdata = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const jobPod = parse(readFileSync(`${testdata}job-pod/pod.yaml`, 'utf8'));
const policy = parse(readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8')) as SnowflakeAccessPolicy;
const lookup = (ns: string, name: string) => (ns === 'pipelines' && name === 'etl' ? policy : undefined);
const running = (p: any) => ({ ...p, metadata: { ...p.metadata, uid: `uid-${Math.random()}` }, status: { phase: 'Running' } });
const injected = () => running(jsonPatch.applyPatch(structuredClone(jobPod), inject(jobPod, policy).patch as any, true, false).newDocument);

describe('the un-injected-pods check recomputes the injection', () => {
  it('a genuinely injected pod is not flagged; a plain one is', () => {
    expect(isUninjected(injected(), lookup)).toBe(false);
    expect(isUninjected(running(jobPod), lookup)).toBe(true);
  });

  it('a pod that only imitates the sidecar (name and status annotation) is flagged', () => {
    const fake = running(structuredClone(jobPod));
    fake.metadata.annotations['snowtrail.dev/status'] = 'injected';
    fake.spec.initContainers = [{ name: 'snowtrail-sidecar', image: 'evil/exfil:1', restartPolicy: 'Always' }];
    expect(isUninjected(fake, lookup)).toBe(true);
    const tracker = new UninjectedPodTracker((p) => isUninjected(p, lookup));
    expect(tracker.observe(fake)).toBe(true);
    expect(tracker.count).toBe(1);
  });

  it('an injected pod whose sidecar was changed, or whose policy is gone, is flagged', () => {
    const tampered = injected();
    tampered.spec.initContainers[0].image = 'evil/exfil:1';
    expect(isUninjected(tampered, lookup)).toBe(true);
    expect(isUninjected(injected(), () => undefined)).toBe(true);
  });

  it('opted-out, finished and deleting pods are not flagged', () => {
    const optOut = running(structuredClone(jobPod));
    optOut.metadata.annotations['snowtrail.dev/inject'] = 'false';
    expect(isUninjected(optOut, lookup)).toBe(false);
    expect(isUninjected({ ...running(jobPod), status: { phase: 'Succeeded' } }, lookup)).toBe(false);
  });
});
