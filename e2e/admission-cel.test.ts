/* eslint-disable @typescript-eslint/no-explicit-any -- pods and rendered manifests are untyped JSON */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { INJECTED_VOLUME_NAMES, SIDECAR_ONLY_VOLUME_NAMES, inject, type SnowflakeAccessPolicy } from '@snowtrail/operator';
import { evaluateCel } from '@snowtrail/operator/testing';
import { yamlSkeleton } from './chart-lib.js';

// The chart's CEL — the webhook's matchConditions and the ValidatingAdmissionPolicy — evaluated by
// a real CEL implementation against allowed and hostile pods, as the API server would.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const template = (f: string): any[] => parseAllDocuments(yamlSkeleton(readFileSync(join(root, 'charts/snowtrail/templates', f), 'utf8'))).map((d) => d.toJS()).filter(Boolean);
const testdata = join(root, 'packages/operator/testdata/inject');
const jobPod = parseYaml(readFileSync(join(testdata, 'job-pod/pod.yaml'), 'utf8'));
const policy = parseYaml(readFileSync(join(testdata, 'job-pod/policy.yaml'), 'utf8')) as SnowflakeAccessPolicy;
const injectedPod = (): any => jsonPatch.applyPatch(structuredClone(jobPod), inject(jobPod, policy).patch as any, true, false).newDocument;
const plainPod = (annotations?: Record<string, string>): any => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });

describe('webhook scope: only pods that ask for snowtrail reach it', () => {
  const [config] = template('mutatingwebhook.yaml');
  const webhook = config.webhooks[0];
  const conditions = webhook.matchConditions as { name: string; expression: string }[];
  const matches = (object: unknown, request: Record<string, unknown> = { operation: 'CREATE', subResource: '' }) =>
    conditions.every((c) => evaluateCel(c.expression, { object, oldObject: null, request }) === true);
  const debug = { operation: 'UPDATE', subResource: 'ephemeralcontainers' };

  it('intercepts pod creation and ephemeral containers, nothing else', () => {
    expect(webhook.rules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
      { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
    ]);
    expect(conditions.length).toBeGreaterThan(0);
  });

  it('sends a pod naming a policy', () => {
    expect(matches(plainPod({ 'snowtrail.dev/policy': 'etl' }))).toBe(true);
    expect(matches(jobPod)).toBe(true);
  });

  it('does not send pods that never asked: no annotations, other annotations, an empty policy name, the opt-out', () => {
    expect(matches(plainPod())).toBe(false);
    expect(matches(plainPod({ 'app.kubernetes.io/name': 'web' }))).toBe(false);
    expect(matches(plainPod({ 'snowtrail.dev/policy': '' }))).toBe(false);
    expect(matches(plainPod({ 'snowtrail.dev/policy': 'etl', 'snowtrail.dev/inject': 'false' }))).toBe(false);
    expect(matches(plainPod({ 'snowtrail.dev/policy': 'etl', 'snowtrail.dev/inject': 'true' }))).toBe(true);
  });

  it('sends ephemeral containers of injected pods only (even when the annotation was removed later)', () => {
    const stripped = injectedPod();
    stripped.metadata.annotations = {};
    expect(matches(injectedPod(), debug)).toBe(true);
    expect(matches(stripped, debug)).toBe(true);
    expect(matches(plainPod(), debug)).toBe(false);
    expect(matches(plainPod({ 'snowtrail.dev/policy': 'etl' }), debug)).toBe(false);
  });

  it('sends ephemeral containers of pods injected for workload identity (no credentials Secret volume)', () => {
    const wif = injectedPod();
    wif.spec.volumes = wif.spec.volumes
      .filter((v: any) => v.name !== 'snowtrail-credentials')
      .concat([{ name: 'snowtrail-snowflake-token', projected: { sources: [{ serviceAccountToken: { audience: 'snowflakecomputing.com', expirationSeconds: 600, path: 'token' } }] } }]);
    expect(matches(wif, debug)).toBe(true);
  });

  it('keeps the operator\'s own pods out', () => {
    expect(webhook.objectSelector.matchExpressions).toContainEqual({ key: 'snowtrail.dev/operator', operator: 'DoesNotExist' });
  });
});

describe('ValidatingAdmissionPolicy: the sidecar\'s volumes stay the sidecar\'s after admission', () => {
  const [vap, binding] = template('validatingadmissionpolicy.yaml');
  const variables = (object: unknown) => {
    const out: Record<string, unknown> = {};
    for (const v of vap.spec.variables as { name: string; expression: string }[]) out[v.name] = evaluateCel(v.expression, { object, variables: out });
    return out;
  };
  const refusals = (object: any): string[] => {
    const vars = variables(object);
    return (vap.spec.validations as { expression: string; message: string }[]).filter((v) => evaluateCel(v.expression, { object, oldObject: null, variables: vars }) !== true).map((v) => v.message);
  };

  it('is bound with Deny and covers create, update and ephemeral containers', () => {
    expect(vap.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(vap.spec.failurePolicy).toBe('Fail');
    expect(vap.spec.matchConstraints.resourceRules[0]).toMatchObject({ operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] });
    expect(binding).toMatchObject({ kind: 'ValidatingAdmissionPolicyBinding', spec: { validationActions: ['Deny'] } });
    expect(binding.spec.policyName).toBe(vap.metadata.name);
  });

  it('names exactly the volumes the injection adds', () => {
    const vars = variables(plainPod());
    expect(vars.sidecarOnly).toEqual(SIDECAR_ONLY_VOLUME_NAMES);
    expect([...(vars.injected as string[])].sort()).toEqual([...INJECTED_VOLUME_NAMES].sort());
  });

  it('allows an injected pod, a plain pod, and a debug container that reaches nothing of the sidecar\'s', () => {
    expect(refusals(injectedPod())).toEqual([]);
    expect(refusals(plainPod())).toEqual([]);
    const debugged = injectedPod();
    debugged.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', targetContainerName: 'load' }];
    expect(refusals(debugged)).toEqual([]);
  });

  it.each([
    ['an app container mounting the credentials', (p: any) => (p.spec.containers[0].volumeMounts = [{ name: 'snowtrail-credentials', mountPath: '/k' }]), /a container other than snowtrail-sidecar/],
    ['an app container mounting the spool', (p: any) => p.spec.containers[0].volumeMounts.push({ name: 'snowtrail-spool', mountPath: '/s' }), /a container other than snowtrail-sidecar/],
    ['an init container mounting the signing key', (p: any) => p.spec.initContainers.push({ name: 'migrate', image: 'x', volumeMounts: [{ name: 'snowtrail-signing', mountPath: '/k' }] }), /an init container other than/],
    ['an app container mounting the sidecar\'s Snowflake token (workload identity)', (p: any) => (p.spec.containers[0].volumeMounts = [{ name: 'snowtrail-snowflake-token', mountPath: '/sf' }]), /a container other than snowtrail-sidecar/],
    ['an ephemeral container mounting the credentials', (p: any) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', volumeMounts: [{ name: 'snowtrail-credentials', mountPath: '/k' }] }]), /an ephemeral container/],
    ['an ephemeral container mounting the app token', (p: any) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', volumeMounts: [{ name: 'snowtrail-token', mountPath: '/t' }] }]), /an ephemeral container/],
    ['an ephemeral container targeting the sidecar', (p: any) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', targetContainerName: 'snowtrail-sidecar' }]), /targets snowtrail-sidecar/],
  ])('refuses %s', (_what, mutate, message) => {
    const p = injectedPod();
    mutate(p);
    const out = refusals(p);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(message);
  });
});
