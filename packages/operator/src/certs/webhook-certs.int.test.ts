import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKubeClients, kubeConfigForServer } from '../kube/kube-clients.js';
import { createOperatorMetrics } from '../metrics.js';
import { startKubeApiServer, type KubeApiServer } from '../testing/kube-api-server.js';
import { waitFor } from '../testing/wait-for.js';
import { startFileCerts, startSelfManagedCerts, type WebhookCertSource } from './webhook-certs.js';
import { certificateNotAfter, createCertificateAuthority, isSignedBy, issueServingCertificate, type KeyPairPem } from './x509.js';

const DAY = 86_400_000;

describe('self-managed webhook certificates', () => {
  let api: KubeApiServer;
  let source: WebhookCertSource | undefined;
  beforeEach(async () => {
    api = await startKubeApiServer();
    api.create('mutatingwebhookconfigurations', { metadata: { name: 'snowtrail-webhook' }, webhooks: [{ name: 'a.snowtrail.dev', clientConfig: { service: { name: 'snowtrail-webhook', namespace: 'ops' } } }, { name: 'b.snowtrail.dev', clientConfig: { service: { name: 'snowtrail-webhook', namespace: 'ops' } } }] });
  });
  afterEach(async () => {
    await source?.stop();
    await api.close();
  });

  it('rotates the serving certificate before expiry; replicas load it and caBundle stays current', async () => {
    let clock = new Date();
    const loaded: KeyPairPem[] = [];
    const registry = new Registry();
    source = startSelfManagedCerts({
      clients: createKubeClients(kubeConfigForServer(api.url)),
      namespace: 'ops',
      secretName: 'snowtrail-webhook-tls',
      serviceName: 'snowtrail-webhook',
      webhookConfigName: 'snowtrail-webhook',
      logger: pino({ level: 'silent' }),
      metrics: createOperatorMetrics(registry, { defaultMetrics: false }),
      onCertificate: (t) => loaded.push(t),
      now: () => clock,
      backoff: { baseMs: 20, capMs: 100 },
    });
    await source.reconcile();
    const first = await source.ready();
    const caBundles = () => (api.get('mutatingwebhookconfigurations', undefined, 'snowtrail-webhook')!.webhooks as { clientConfig: { caBundle?: string } }[]).map((w) => w.clientConfig.caBundle);
    const secretCa = () => Buffer.from((api.get('secrets', 'ops', 'snowtrail-webhook-tls')!.data as Record<string, string>)['ca.crt']!, 'base64').toString();
    expect(caBundles()).toEqual([Buffer.from(secretCa()).toString('base64'), Buffer.from(secretCa()).toString('base64')]);
    expect(isSignedBy(first.certPem, secretCa())).toBe(true);
    // Nothing to do a day later.
    clock = new Date(clock.getTime() + DAY);
    const rv = api.get('secrets', 'ops', 'snowtrail-webhook-tls')!.metadata.resourceVersion;
    await source.reconcile();
    expect(api.get('secrets', 'ops', 'snowtrail-webhook-tls')!.metadata.resourceVersion).toBe(rv);
    // 70 days into a 90-day certificate: renewed, same CA, loaded by the watching replica.
    clock = new Date(clock.getTime() + 69 * DAY);
    await source.reconcile();
    await waitFor('renewed certificate loaded', () => loaded.length === 2);
    expect(loaded[1]!.certPem).not.toBe(first.certPem);
    expect(certificateNotAfter(loaded[1]!.certPem).getTime()).toBeGreaterThan(certificateNotAfter(first.certPem).getTime());
    expect(isSignedBy(loaded[1]!.certPem, secretCa())).toBe(true);
    expect(await registry.metrics()).toMatch(new RegExp(`snowtrail_operator_webhook_cert_expiry_timestamp_seconds ${certificateNotAfter(loaded[1]!.certPem).getTime() / 1000}`));
  });
});

describe('cert-manager mode', () => {
  let dir: string;
  let source: WebhookCertSource | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'snowtrail-certs-'));
  });
  afterEach(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the mounted certificate and picks up a renewed one', async () => {
    const ca = await createCertificateAuthority({ commonName: 'cert-manager-ca', validityDays: 30, now: new Date() });
    const write = (k: KeyPairPem) => {
      writeFileSync(join(dir, 'tls.crt'), k.certPem);
      writeFileSync(join(dir, 'tls.key'), k.keyPem);
    };
    const a = await issueServingCertificate(ca, { dnsNames: ['snowtrail-webhook.ops.svc'], validityDays: 10, now: new Date() });
    write(a);
    const loaded: KeyPairPem[] = [];
    source = startFileCerts({ dir, logger: pino({ level: 'silent' }), metrics: createOperatorMetrics(new Registry(), { defaultMetrics: false }), onCertificate: (k) => loaded.push(k), intervalMs: 50 });
    expect((await source.ready()).certPem).toBe(a.certPem);
    const b = await issueServingCertificate(ca, { dnsNames: ['snowtrail-webhook.ops.svc'], validityDays: 20, now: new Date() });
    write(b);
    await waitFor('renewed file loaded', () => loaded.length === 2);
    expect(loaded[1]!.certPem).toBe(b.certPem);
  });
});
