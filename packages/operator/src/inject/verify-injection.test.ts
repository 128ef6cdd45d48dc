/* eslint-disable @typescript-eslint/no-explicit-any -- pods are built as untyped YAML */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { parse } from 'yaml';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { inject } from './inject.js';
import { injectedDifferences, quantityValue } from './verify-injection.js';

const testdata = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const jobPod = parse(readFileSync(`${testdata}job-pod/pod.yaml`, 'utf8'));
const policy = parse(readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8')) as SnowflakeAccessPolicy;
(policy.spec as any).sidecar = { resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { memory: '2048Mi' } } };
(policy.spec as any).recording.spoolMaxBytes = 896 * 1024 * 1024;

describe('the API server\'s canonical forms do not make a genuine injection look forged', () => {
  it('reads quantities by value', () => {
    expect(quantityValue('1Gi')).toBe(quantityValue('1024Mi'));
    expect(quantityValue('500m')).toBe(quantityValue('0.5'));
    expect(quantityValue('1e3')).toBe(quantityValue('1k'));
    expect(quantityValue('lots')).toBeUndefined();
  });

  it('a pod whose quantities came back canonical is still injected; a different value is not', () => {
    const injected = jsonPatch.applyPatch(structuredClone(jobPod), inject(jobPod, policy).patch as any, true, false).newDocument as any;
    const sidecar = injected.spec.initContainers[0];
    expect(sidecar.resources.requests).toEqual({ cpu: '0.5', memory: '1024Mi' });
    expect(injected.spec.volumes.find((v: any) => v.name === 'snowtrail-spool').emptyDir.sizeLimit).toBe('1024Mi');
    sidecar.resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } };
    injected.spec.volumes.find((v: any) => v.name === 'snowtrail-spool').emptyDir.sizeLimit = '1Gi';
    expect(inject(injected, policy).reasons).toEqual(['already_injected']);
    sidecar.resources.limits.memory = '3Gi';
    expect(inject(injected, policy)).toMatchObject({ allowed: false, reasons: ['injection_mismatch'] });
  });

  it('compares by value only where Kubernetes stores quantities', () => {
    expect(injectedDifferences({ image: '1Gi' }, { image: '1024Mi' }, 'c')).toEqual(['c.image differs']);
    expect(injectedDifferences({ limits: { memory: '1Gi' } }, { limits: { memory: '1024Mi' } }, 'c')).toEqual([]);
  });
});
