import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createKubeClients, kubeConfigForServer } from './kube/kube-clients.js';
import { startOperator, supportsNativeSidecars, type OperatorHandle } from './operator.js';
import { startKubeApiServer, type KubeApiServer } from './testing/kube-api-server.js';
import { waitFor } from './testing/wait-for.js';

const testdata = fileURLToPath(new URL('../testdata/inject/', import.meta.url));
const pod = parse(readFileSync(`${testdata}job-pod/pod.yaml`, 'utf8'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Calls the webhook the way the API server does: trusting only the caBundle, checking the Service name. */
function admit(url: string, caBundleB64: string, body: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(`${url}/mutate?timeout=10s`, { method: 'POST', agent: false, ca: Buffer.from(caBundleB64, 'base64'), servername: 'snowtrail-webhook.snowtrail-system.svc', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('snowtrail operator end to end (in-process API server)', () => {
  let api: KubeApiServer;
  let op: OperatorHandle;
  beforeAll(async () => {
    api = await startKubeApiServer({ jwks: { keys: [{ kty: 'RSA', kid: 'k' }] }, version: 'v1.30.2' });
    api.create('mutatingwebhookconfigurations', {
      metadata: { name: 'snowtrail-webhook' },
      webhooks: [{ name: 'inject.snowtrail.dev', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { service: { name: 'snowtrail-webhook', namespace: 'snowtrail-system', path: '/mutate' } } }],
    });
    api.create('secrets', { metadata: { name: 'snowflake-etl', namespace: 'pipelines' }, data: { 'private-key.pem': b64('k') } });
    api.create('secrets', { metadata: { name: 'snowtrail-signing', namespace: 'pipelines' }, data: { 'signing-key.pem': b64('k') } });
    op = await startOperator({
      clients: createKubeClients(kubeConfigForServer(api.url)),
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      podNamespace: 'snowtrail-system',
      identity: 'snowtrail-operator-0',
      leaderElect: true,
      lease: { durationSeconds: 2, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.1 },
      webhook: { port: 0 },
      metrics: { port: 0 },
      jwksRefreshMs: 200,
      backoff: { baseMs: 20, capMs: 200 },
    });
  });
  afterAll(async () => {
    await op?.close();
    await api?.close();
  });

  it('creates its certificate Secret and sets the caBundle of its MutatingWebhookConfiguration', async () => {
    const secret = await waitFor('cert secret', () => api.get('secrets', 'snowtrail-system', 'snowtrail-webhook-tls'));
    expect(Object.keys(secret.data as object).sort()).toEqual(['ca-bundle.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const cfg = await waitFor('caBundle', () => (api.get('mutatingwebhookconfigurations', undefined, 'snowtrail-webhook')!.webhooks as { clientConfig: { caBundle?: string } }[])[0]!.clientConfig.caBundle);
    expect(Buffer.from(cfg, 'base64').toString()).toBe(Buffer.from((secret.data as Record<string, string>)['ca-bundle.crt']!, 'base64').toString());
    expect(op.isLeader()).toBe(true);
    expect(op.nativeSidecars).toBe(true);
  });

  it('admits a pod through the policy it reconciled, over TLS verified with the caBundle', async () => {
    api.create('snowflakeaccesspolicies', parse(readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8').replace(/^status:[\s\S]*$/m, '')));
    await waitFor('policy Ready', () => (api.get('snowflakeaccesspolicies', 'pipelines', 'etl')?.status as { conditions?: { status: string }[] } | undefined)?.conditions?.[0]?.status === 'True');
    await waitFor('webhook sees Ready', () => op.controller.getPolicy('pipelines', 'etl')?.status?.conditions?.[0]?.status === 'True');
    const caBundle = (api.get('mutatingwebhookconfigurations', undefined, 'snowtrail-webhook')!.webhooks as { clientConfig: { caBundle: string } }[])[0]!.clientConfig.caBundle;
    const review = await admit(op.webhookUrl, caBundle, {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'e2e-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'pipelines', operation: 'CREATE', object: pod },
    });
    expect(review.response).toMatchObject({ uid: 'e2e-1', allowed: true, patchType: 'JSONPatch' });
    const patched = jsonPatch.applyPatch(structuredClone(pod), JSON.parse(Buffer.from(review.response.patch, 'base64').toString()), true, false).newDocument;
    expect(() => new PodModel(patched).validate()).not.toThrow();
    expect(patched.spec.volumes.find((v: { name: string }) => v.name === 'snowtrail-config').configMap.name).toBe('snowtrail-etl');
    expect(api.get('configmaps', 'pipelines', 'snowtrail-etl')).toBeDefined();
  });

  it('denies hostile pods and debug containers through the running operator, and flags a pod that only claims the injection', async () => {
    await waitFor('webhook sees Ready', () => op.controller.getPolicy('pipelines', 'etl')?.status?.conditions?.[0]?.status === 'True');
    const caBundle = (api.get('mutatingwebhookconfigurations', undefined, 'snowtrail-webhook')!.webhooks as { clientConfig: { caBundle: string } }[])[0]!.clientConfig.caBundle;
    const send = (uid: string, object: unknown, extra: Record<string, unknown> = {}) =>
      admit(op.webhookUrl, caBundle, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'pipelines', operation: 'CREATE', object, ...extra } });
    const stealer = structuredClone(pod);
    stealer.spec.containers[0].volumeMounts = [{ name: 'snowtrail-credentials', mountPath: '/keys' }];
    expect((await send('e2e-steal', stealer)).response).toMatchObject({ uid: 'e2e-steal', allowed: false, status: { code: 403 }, auditAnnotations: { 'snowtrail.dev/reason': 'injected_volume_mounted' } });
    const fake = structuredClone(pod);
    fake.metadata.annotations['snowtrail.dev/status'] = 'injected';
    fake.spec.initContainers = [{ name: 'snowtrail-sidecar', image: 'evil/exfil:1', restartPolicy: 'Always' }];
    expect((await send('e2e-fake', fake)).response).toMatchObject({ allowed: false, auditAnnotations: { 'snowtrail.dev/reason': 'injection_mismatch' } });
    const ok = await send('e2e-ok', pod);
    const injected = jsonPatch.applyPatch(structuredClone(pod), JSON.parse(Buffer.from(ok.response.patch, 'base64').toString()), true, false).newDocument;
    const debugged = { ...injected, spec: { ...injected.spec, ephemeralContainers: [{ name: 'dbg', image: 'busybox', targetContainerName: 'snowtrail-sidecar' }] } };
    const debug = await send('e2e-debug', debugged, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: injected });
    expect(debug.response).toMatchObject({ allowed: false, auditAnnotations: { 'snowtrail.dev/reason': 'sidecar_targeted' } });
    const text = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    for (const reason of ['injected_volume_mounted', 'injection_mismatch', 'sidecar_targeted']) expect(text).toMatch(new RegExp(`snowtrail_operator_admissions_total\\{result="denied",reason="${reason}"\\} 1`));
    // The same forged pod, running (admitted while the webhook was bypassed): the controller reports it.
    api.create('pods', { ...fake, metadata: { ...fake.metadata, name: 'forged', namespace: 'pipelines' }, status: { phase: 'Running' } });
    await waitFor('forged pod flagged', () => api.list('events', 'pipelines').some((e) => e.reason === 'uninjected_pod' && (e as unknown as { involvedObject: { name: string } }).involvedObject.name === 'forged'));
  });

  it('exposes every operator metric on /metrics and answers the probes', async () => {
    const text = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    for (const name of [
      'snowtrail_operator_admissions_total',
      'snowtrail_operator_admission_duration_seconds',
      'snowtrail_operator_reconciles_total',
      'snowtrail_operator_policies',
      'snowtrail_operator_uninjected_pods',
      'snowtrail_operator_webhook_cert_expiry_timestamp_seconds',
      'snowtrail_operator_is_leader',
      'snowtrail_build_info',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/snowtrail_operator_is_leader 1/);
    expect(text).toMatch(/snowtrail_build_info\{component="operator",version="[^"]+"\} 1/);
    const expiry = Number(/snowtrail_operator_webhook_cert_expiry_timestamp_seconds (\d+)/.exec(text)![1]);
    expect(expiry * 1000).toBeGreaterThan(Date.now() + 30 * 86_400_000);
    // Every metric the operator registers is in the contract list (no stray names).
    const names = [...text.matchAll(/^# TYPE (snowtrail_\S+)/gm)].map((m) => m[1]);
    expect(names.filter((n) => !/^snowtrail_(operator_(admissions_total|admission_duration_seconds|reconciles_total|policies|uninjected_pods|webhook_cert_expiry_timestamp_seconds|is_leader)|build_info)$/.test(n!))).toEqual([]);
    expect((await fetch(`${op.metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${op.metricsUrl}/healthz`)).status).toBe(200);
  });
});

describe('supportsNativeSidecars', () => {
  it('reads the API server version, including "+" minors', () => {
    expect(supportsNativeSidecars({ major: '1', minor: '29' })).toBe(true);
    expect(supportsNativeSidecars({ major: '1', minor: '31+' })).toBe(true);
    expect(supportsNativeSidecars({ major: '1', minor: '28' })).toBe(false);
  });
});
