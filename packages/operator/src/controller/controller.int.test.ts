import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parseSidecarConfig } from '@snowtrail/config';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import jsonPatch from 'fast-json-patch';
import { inject } from '../inject/inject.js';
import type { Pod } from '../inject/pod-types.js';
import { createKubeClients, kubeConfigForServer } from '../kube/kube-clients.js';
import { createOperatorMetrics } from '../metrics.js';
import { startKubeApiServer, type KubeApiServer } from '../testing/kube-api-server.js';
import type { KubeObject } from '../testing/kube-store.js';
import { waitFor } from '../testing/wait-for.js';
import { startController, type Controller } from './controller.js';

const NS = 'pipelines';
const jwksV1 = { keys: [{ kty: 'RSA', kid: 'key-1', use: 'sig', alg: 'RS256', n: 'sXch', e: 'AQAB' }] };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'Opaque', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}
function policy(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'snowtrail.dev/v1alpha1',
    kind: 'SnowflakeAccessPolicy',
    metadata: { name, namespace: NS },
    spec: {
      subjects: [{ serviceAccount: 'etl' }],
      snowflake: { account: 'myorg-myacct', user: 'SVC_ETL', role: 'ETL', credentials: { secretName: 'snowflake-etl' } },
      statements: [{ name: 'no-exports', action: 'deny', classes: ['EXFILTRATION'] }],
      recording: { store: { bucket: 'snowtrail-recordings' }, signing: { secretName: 'snowtrail-signing' } },
      ...spec,
    },
  };
}

describe('controller against the in-process API server', () => {
  let api: KubeApiServer;
  let controller: Controller;
  let registry: Registry;

  const ready = (name: string) => api.get('snowflakeaccesspolicies', NS, name)?.status as { observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[] } | undefined;
  const readyCond = (name: string) => ready(name)?.conditions?.find((c) => c.type === 'Ready');
  const events = (reason: string) => api.list('events', NS).filter((e) => e.reason === reason);

  beforeEach(async () => {
    api = await startKubeApiServer({ jwks: jwksV1, issuer: 'https://kubernetes.default.svc.cluster.local', bookmarkIntervalMs: 100 });
    api.create('secrets', secret('snowflake-etl', { 'private-key.pem': '-----BEGIN PRIVATE KEY-----\n' }));
    api.create('secrets', secret('snowtrail-signing', { 'signing-key.pem': '-----BEGIN EC PRIVATE KEY-----\n' }));
    registry = new Registry();
    controller = startController({
      clients: createKubeClients(kubeConfigForServer(api.url)),
      logger: pino({ level: 'silent' }),
      metrics: createOperatorMetrics(registry, { defaultMetrics: false }),
      identity: 'test-replica',
      jwksRefreshMs: 100,
      backoff: { baseMs: 20, capMs: 200 },
    });
    await controller.synced();
    controller.setLeader(true);
  });
  afterEach(async () => {
    await controller.stop();
    await api.close();
  });

  it('makes a workload-identity policy Ready with no Snowflake Secret in the namespace', async () => {
    api.remove('secrets', NS, 'snowflake-etl');
    api.create('snowflakeaccesspolicies', policy('wif', { snowflake: { account: 'myorg-myacct', user: 'SVC_ETL', credentials: { type: 'workloadIdentity' } } }));
    const cond = await waitFor('Ready=True', () => readyCond('wif')?.status === 'True' && readyCond('wif'));
    expect(cond).toMatchObject({ reason: 'Reconciled' });
    const config = parseSidecarConfig((api.get('configmaps', NS, 'snowtrail-wif')!.data as Record<string, string>)['config.yaml']!);
    expect(config.upstream.auth).toEqual({ type: 'workloadIdentity', tokenFile: '/var/run/snowtrail/workload-identity/token', audience: 'snowflakecomputing.com' });
  });

  it('renders a created policy into an owned ConfigMap the sidecar loader accepts, and reports Ready', async () => {
    const created = api.create('snowflakeaccesspolicies', policy('etl'));
    const cond = await waitFor('Ready=True', () => readyCond('etl')?.status === 'True' && readyCond('etl'));
    expect(cond).toMatchObject({ reason: 'Reconciled', observedGeneration: 1 });
    expect(ready('etl')?.observedGeneration).toBe(1);
    const cm = api.get('configmaps', NS, 'snowtrail-etl')!;
    expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'snowtrail.dev/v1alpha1', kind: 'SnowflakeAccessPolicy', name: 'etl', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const data = cm.data as Record<string, string>;
    const config = parseSidecarConfig(data['config.yaml']!);
    expect(config.identity).toMatchObject({ issuer: 'https://kubernetes.default.svc.cluster.local', jwksFile: '/etc/snowtrail/jwks.json', allowedSubjects: ['system:serviceaccount:pipelines:etl'], audiences: ['snowtrail'] });
    expect(config.upstream).toMatchObject({ url: 'https://myorg-myacct.snowflakecomputing.com', user: 'SVC_ETL', role: 'ETL', auth: { type: 'keypair', privateKeyFile: '/var/run/snowtrail/credentials/private-key.pem' } });
    expect(config.recording.signing.keyFile).toBe('/var/run/snowtrail/signing/signing-key.pem');
    expect(config.policy).toMatchObject({ name: 'etl', generation: 1, statements: [{ name: 'no-exports', action: 'deny' }] });
    expect(JSON.parse(data['jwks.json']!)).toEqual(jwksV1);
    await waitFor('Reconciled event', () => events('Reconciled').length === 1);
    const text = await registry.metrics();
    expect(text).toContain(`snowtrail_operator_policies{namespace="${NS}",policy="etl",condition="Ready",status="True"} 1`);
    expect(text).toContain(`snowtrail_operator_policies{namespace="${NS}",policy="etl",condition="Ready",status="False"} 0`);
  });

  it('re-renders a changed policy and tracks the new generation', async () => {
    api.create('snowflakeaccesspolicies', policy('etl'));
    await waitFor('Ready', () => readyCond('etl')?.status === 'True');
    const cur = api.get('snowflakeaccesspolicies', NS, 'etl')!;
    api.update('snowflakeaccesspolicies', { ...cur, spec: { ...(cur.spec as object), defaultAction: 'deny' } });
    await waitFor('generation 2 observed', () => ready('etl')?.observedGeneration === 2);
    const config = parseSidecarConfig((api.get('configmaps', NS, 'snowtrail-etl')!.data as Record<string, string>)['config.yaml']!);
    expect(config.policy).toMatchObject({ generation: 2, defaultAction: 'deny' });
    expect(readyCond('etl')).toMatchObject({ status: 'True', observedGeneration: 2 });
    await waitFor('ConfigRendered event', () => events('ConfigRendered').length === 1);
  });

  it('deletes: the ConfigMap goes with its owner and the gauge follows', async () => {
    api.create('snowflakeaccesspolicies', policy('etl'));
    await waitFor('ConfigMap', () => api.get('configmaps', NS, 'snowtrail-etl'));
    api.remove('snowflakeaccesspolicies', NS, 'etl');
    expect(api.get('configmaps', NS, 'snowtrail-etl')).toBeUndefined();
    await waitFor('policy gone from cache', () => controller.getPolicy(NS, 'etl') === undefined);
    // The deleted policy's series go with it: the gauge stays bounded by the policies that exist.
    await waitFor('policy series gone', async () => !(await registry.metrics()).includes('policy="etl"'));
  });

  it('reports a missing Secret as not Ready with its reason, then recovers when it appears', async () => {
    api.create('snowflakeaccesspolicies', policy('reporting', { snowflake: { account: 'myorg-myacct', user: 'R', credentials: { secretName: 'snowflake-reporting', type: 'pat' } } }));
    const cond = await waitFor('Ready=False', () => readyCond('reporting')?.status === 'False' && readyCond('reporting'));
    expect(cond).toMatchObject({ reason: 'SecretNotFound', message: 'Secret pipelines/snowflake-reporting (spec.snowflake.credentials) not found' });
    expect(api.get('configmaps', NS, 'snowtrail-reporting')).toBeUndefined();
    await waitFor('warning event', () => events('SecretNotFound').length === 1);
    expect(events('SecretNotFound')[0]).toMatchObject({ type: 'Warning', involvedObject: { kind: 'SnowflakeAccessPolicy', name: 'reporting' } });
    api.create('secrets', secret('snowflake-reporting', { password: 'x' }));
    const missingKey = await waitFor('SecretKeyMissing', () => readyCond('reporting')?.reason === 'SecretKeyMissing' && readyCond('reporting'));
    expect(missingKey.message).toBe('Secret pipelines/snowflake-reporting (spec.snowflake.credentials) has no key token');
    const s = api.get('secrets', NS, 'snowflake-reporting')!;
    api.update('secrets', { ...s, data: { token: b64('pat-value') } });
    await waitFor('Ready=True', () => readyCond('reporting')?.status === 'True');
    const config = parseSidecarConfig((api.get('configmaps', NS, 'snowtrail-reporting')!.data as Record<string, string>)['config.yaml']!);
    expect(config.upstream.auth).toEqual({ type: 'pat', tokenFile: '/var/run/snowtrail/credentials/token' });
  });

  it('reports a spec that bypassed CRD validation as InvalidSpec', async () => {
    api.create('snowflakeaccesspolicies', policy('dup', { subjects: [{ serviceAccount: 'etl' }, { serviceAccount: 'etl' }] }));
    const cond = await waitFor('InvalidSpec', () => readyCond('dup')?.reason === 'InvalidSpec' && readyCond('dup'));
    expect(cond.message).toContain('subjects must name each service account once');
  });

  it('restores a hand-edited ConfigMap and publishes rotated JWKS', async () => {
    api.create('snowflakeaccesspolicies', policy('etl'));
    const cm = await waitFor('ConfigMap', () => api.get('configmaps', NS, 'snowtrail-etl'));
    api.update('configmaps', { ...cm, data: { 'config.yaml': 'tampered: true\n', 'jwks.json': '{}' } });
    await waitFor('restored', () => (api.get('configmaps', NS, 'snowtrail-etl')!.data as Record<string, string>)['config.yaml']!.includes('allowedSubjects'));
    const rotated = { keys: [...jwksV1.keys, { kty: 'RSA', kid: 'key-2', use: 'sig', alg: 'RS256', n: 'new', e: 'AQAB' }] };
    api.setJwks(rotated);
    await waitFor('rotated keys published', () => JSON.parse((api.get('configmaps', NS, 'snowtrail-etl')!.data as Record<string, string>)['jwks.json']!).keys.length === 2);
  });

  it('survives watch loss, 410 Gone and failing lists', async () => {
    api.create('snowflakeaccesspolicies', policy('one'));
    await waitFor('one Ready', () => readyCond('one')?.status === 'True');
    const policyLists = () => api.requests.filter((r) => r.path.endsWith('/snowflakeaccesspolicies') && r.method === 'GET' && r.query.watch !== 'true').length;
    const listsBefore = policyLists();
    // Streams cut, a change the informers cannot see live, then history compacted: resuming from
    // their resourceVersion answers 410 Gone, so they must relist — and the first relists fail.
    api.dropWatches();
    api.create('snowflakeaccesspolicies', policy('two'));
    api.store.compact();
    api.failNext('/snowflakeaccesspolicies', 500, 2);
    await waitFor('two Ready after relist', () => readyCond('two')?.status === 'True');
    expect(api.goneCount).toBeGreaterThan(0);
    expect(policyLists()).toBeGreaterThan(listsBefore);
    expect(api.requests.some((r) => r.path.endsWith('/snowflakeaccesspolicies') && r.query.watch === 'true' && r.query.allowWatchBookmarks === 'true')).toBe(true);
  });

  it('flags a pod that names a policy but runs without the sidecar', async () => {
    api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etl-old', namespace: NS, annotations: { 'snowtrail.dev/policy': 'etl' } }, spec: { containers: [{ name: 'etl', image: 'x' }] }, status: { phase: 'Running' } });
    api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'opted-out', namespace: NS, annotations: { 'snowtrail.dev/policy': 'etl', 'snowtrail.dev/inject': 'false' } }, spec: { containers: [{ name: 'etl', image: 'x' }] }, status: { phase: 'Running' } });
    const ev = await waitFor('uninjected event', () => events('uninjected_pod')[0]);
    expect(ev).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod', name: 'etl-old' } });
    expect(await registry.metrics()).toContain(`snowtrail_operator_uninjected_pods{namespace="${NS}",policy="etl"} 1`);
    api.remove('pods', NS, 'etl-old');
    await waitFor('series gone with the pod', async () => !/snowtrail_operator_uninjected_pods\{/.test(await registry.metrics()));
  });

  it('flags a pod that only claims the injection (sidecar name and status annotation), not a genuinely injected one', async () => {
    api.create('snowflakeaccesspolicies', policy('etl'));
    await waitFor('cached', () => controller.getPolicy(NS, 'etl'));
    const plain = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etl-real', namespace: NS, annotations: { 'snowtrail.dev/policy': 'etl' } }, spec: { serviceAccountName: 'etl', containers: [{ name: 'etl', image: 'x' }] } };
    const patch = inject(plain as Pod, controller.getPolicy(NS, 'etl'), { requireReadyPolicy: false }).patch;
    api.create('pods', { ...(jsonPatch.applyPatch(structuredClone(plain), patch as jsonPatch.Operation[], true, false).newDocument as KubeObject), status: { phase: 'Running' } });
    api.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'etl-fake', namespace: NS, annotations: { 'snowtrail.dev/policy': 'etl', 'snowtrail.dev/status': 'injected' } },
      spec: { serviceAccountName: 'etl', initContainers: [{ name: 'snowtrail-sidecar', image: 'evil/exfil:1', restartPolicy: 'Always' }], containers: [{ name: 'etl', image: 'x' }] },
      status: { phase: 'Running' },
    });
    const ev = await waitFor('uninjected event', () => events('uninjected_pod').find((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name === 'etl-fake'));
    expect(ev).toMatchObject({ type: 'Warning' });
    expect(await registry.metrics()).toContain(`snowtrail_operator_uninjected_pods{namespace="${NS}",policy="etl"} 1`);
    expect(events('uninjected_pod').map((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name)).toEqual(['etl-fake']);
    api.remove('pods', NS, 'etl-fake');
    await waitFor('series gone with the pod', async () => !/snowtrail_operator_uninjected_pods\{/.test(await registry.metrics()));
  });

  it('writes nothing while not leading', async () => {
    controller.setLeader(false);
    api.create('snowflakeaccesspolicies', policy('quiet'));
    api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'early', namespace: NS, annotations: { 'snowtrail.dev/policy': 'quiet' } }, spec: { containers: [{ name: 'etl', image: 'x' }] }, status: { phase: 'Pending' } });
    await waitFor('cached', () => controller.getPolicy(NS, 'quiet'));
    await waitFor('pod flagged', async () => /snowtrail_operator_uninjected_pods\{namespace="pipelines",policy="quiet"\} 1/.test(await registry.metrics()));
    await controller.idle();
    expect(api.get('snowflakeaccesspolicies', NS, 'quiet')!.status).toBeUndefined();
    expect(api.get('configmaps', NS, 'snowtrail-quiet')).toBeUndefined();
    expect(events('uninjected_pod')).toEqual([]);
    controller.setLeader(true);
    await waitFor('Ready once leading', () => readyCond('quiet')?.status === 'True');
    // The pod flagged while not leading gets its Event from the new leader.
    await waitFor('event once leading', () => events('uninjected_pod').length === 1);
  });
});
