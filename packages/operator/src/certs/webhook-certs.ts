import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { OPERATOR_ERRORS, OperatorError, requireOption } from '../errors.js';
import { apiStatus, type KubeClients } from '../kube/kube-clients.js';
import type { OperatorMetrics } from '../metrics.js';
import { startSupervisedInformer, type SupervisedInformer } from '../controller/supervised-informer.js';
import { certificateNotAfter, coversDnsNames, createCertificateAuthority, isSignedBy, issueServingCertificate, shouldRenew, type KeyPairPem } from './x509.js';

/** Where webhook certificates come from. */
export interface WebhookCertSource {
  /** Resolves with the first usable serving certificate. */
  ready(): Promise<KeyPairPem>;
  /** Leader-only upkeep: create or rotate the CA and serving certificate and keep caBundle current. No-op in cert-manager mode. */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

/** The DNS names the API server may use to reach the webhook Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** Secret keys of the self-managed certificate Secret. */
export const CERT_SECRET_KEYS = { caCert: 'ca.crt', caKey: 'ca.key', caBundle: 'ca-bundle.crt', cert: 'tls.crt', key: 'tls.key' } as const;

interface CertSet {
  ca: KeyPairPem;
  serving: KeyPairPem;
  caBundle: string;
}

function readSecret(secret: V1Secret | undefined): CertSet | undefined {
  const d = secret?.data;
  if (!d) return undefined;
  const set = {
    ca: { certPem: unb64(d[CERT_SECRET_KEYS.caCert]), keyPem: unb64(d[CERT_SECRET_KEYS.caKey]) },
    serving: { certPem: unb64(d[CERT_SECRET_KEYS.cert]), keyPem: unb64(d[CERT_SECRET_KEYS.key]) },
    caBundle: unb64(d[CERT_SECRET_KEYS.caBundle]) || unb64(d[CERT_SECRET_KEYS.caCert]),
  };
  return set.ca.certPem && set.ca.keyPem && set.serving.certPem && set.serving.keyPem ? set : undefined;
}

/** What the next certificate set should be, or undefined when the current one is fine. Pure given `now`. */
export async function planCertificates(current: CertSet | undefined, dnsNames: string[], now: Date, validity = { caDays: 1825, servingDays: 90 }): Promise<{ set: CertSet; why: string } | undefined> {
  const issue = (ca: KeyPairPem) => issueServingCertificate(ca, { dnsNames, validityDays: validity.servingDays, now });
  if (!current) {
    const ca = await createCertificateAuthority({ commonName: 'snowtrail-webhook-ca', validityDays: validity.caDays, now });
    return { set: { ca, serving: await issue(ca), caBundle: ca.certPem }, why: 'created' };
  }
  if (shouldRenew(current.ca.certPem, now)) {
    const ca = await createCertificateAuthority({ commonName: 'snowtrail-webhook-ca', validityDays: validity.caDays, now });
    // Both CAs stay trusted until the old one expires: replicas still serving the old
    // certificate for a moment after the switch keep passing the API server's verification.
    const oldStillValid = certificateNotAfter(current.ca.certPem).getTime() > now.getTime();
    return { set: { ca, serving: await issue(ca), caBundle: oldStillValid ? `${ca.certPem}${current.ca.certPem}` : ca.certPem }, why: 'ca_rotated' };
  }
  const x = current.serving.certPem;
  if (shouldRenew(x, now) || !coversDnsNames(x, dnsNames) || !isSignedBy(x, current.ca.certPem)) {
    return { set: { ...current, serving: await issue(current.ca) }, why: 'serving_renewed' };
  }
  return undefined;
}

/** Options of self-managed webhook certificates. */
export interface SelfManagedCertsOptions {
  clients: KubeClients;
  namespace: string;
  secretName: string;
  serviceName: string;
  /** MutatingWebhookConfiguration whose caBundle is kept current. */
  webhookConfigName: string;
  logger: Logger;
  metrics: OperatorMetrics;
  onCertificate(tls: KeyPairPem): void;
  now?: () => Date;
  backoff?: { baseMs?: number; capMs?: number };
}

/**
 * Self-managed webhook TLS: a CA and serving certificate in one Secret shared by the replicas.
 * Every replica watches the Secret and loads what is in it; the leader creates and rotates it
 * (serving cert at 2/3 of its lifetime, CA likewise, with the old CA kept in the bundle) and keeps
 * the MutatingWebhookConfiguration's caBundle equal to the bundle.
 */
export function startSelfManagedCerts(options: SelfManagedCertsOptions): WebhookCertSource {
  const clients = requireOption(options.clients, 'clients', 'startSelfManagedCerts');
  const log = requireOption(options.logger, 'logger', 'startSelfManagedCerts').child({ component: 'webhook-certs' });
  const now = options.now ?? (() => new Date());
  const { namespace, secretName } = options;
  const dnsNames = serviceDnsNames(options.serviceName, namespace);
  let loaded = '';
  let resolveReady!: (v: KeyPairPem) => void;
  const readyPromise = new Promise<KeyPairPem>((r) => (resolveReady = r));

  const load = (secret: V1Secret) => {
    if (secret.metadata?.name !== secretName) return;
    const set = readSecret(secret);
    if (!set || set.serving.certPem === loaded) return;
    loaded = set.serving.certPem;
    options.metrics.certExpiry.set(certificateNotAfter(set.serving.certPem).getTime() / 1000);
    log.info({ notAfter: certificateNotAfter(set.serving.certPem).toISOString() }, 'webhook serving certificate loaded');
    options.onCertificate(set.serving);
    resolveReady(set.serving);
  };
  const informer: SupervisedInformer<V1Secret> = startSupervisedInformer<V1Secret>({
    kubeConfig: clients.kubeConfig,
    logger: log,
    backoff: options.backoff,
    path: `/api/v1/namespaces/${namespace}/secrets`,
    fieldSelector: `metadata.name=${secretName}`,
    list: () => clients.core.listNamespacedSecret({ namespace, fieldSelector: `metadata.name=${secretName}` }),
    onAdd: load,
    onUpdate: load,
  });

  const syncCaBundle = async (bundle: string) => {
    let config;
    try {
      config = await clients.admission.readMutatingWebhookConfiguration({ name: options.webhookConfigName });
    } catch (err) {
      if (apiStatus(err) === 404) {
        log.warn({ webhookConfiguration: options.webhookConfigName }, 'MutatingWebhookConfiguration not found; caBundle not set yet');
        return;
      }
      throw err;
    }
    const want = b64(bundle);
    const ops = (config.webhooks ?? []).flatMap((w, i) => (w.clientConfig.caBundle === want ? [] : [{ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want }]));
    if (ops.length === 0) return;
    await clients.admission.patchMutatingWebhookConfiguration({ name: options.webhookConfigName, body: ops });
    log.info({ webhooks: ops.length }, 'webhook caBundle updated');
  };

  return {
    ready: () => readyPromise,
    async reconcile() {
      let secret: V1Secret | undefined;
      try {
        secret = await clients.core.readNamespacedSecret({ namespace, name: secretName });
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
      const current = readSecret(secret);
      const plan = await planCertificates(current, dnsNames, now());
      const set = plan?.set ?? current!;
      if (plan) {
        const data = {
          [CERT_SECRET_KEYS.caCert]: b64(set.ca.certPem),
          [CERT_SECRET_KEYS.caKey]: b64(set.ca.keyPem),
          [CERT_SECRET_KEYS.caBundle]: b64(set.caBundle),
          [CERT_SECRET_KEYS.cert]: b64(set.serving.certPem),
          [CERT_SECRET_KEYS.key]: b64(set.serving.keyPem),
        };
        const metadata = { name: secretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'snowtrail-operator' }, ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}) };
        try {
          if (secret) await clients.core.replaceNamespacedSecret({ namespace, name: secretName, body: { metadata, type: 'kubernetes.io/tls', data } });
          else await clients.core.createNamespacedSecret({ namespace, body: { metadata, type: 'kubernetes.io/tls', data } });
        } catch (err) {
          // Another replica wrote first: take its result on the next round.
          if (apiStatus(err) === 409) return;
          throw new OperatorError(OPERATOR_ERRORS.certificate, `cannot write Secret ${namespace}/${secretName}`, { cause: err });
        }
        log.info({ why: plan.why, notAfter: certificateNotAfter(set.serving.certPem).toISOString() }, 'webhook certificates written');
      }
      await syncCaBundle(set.caBundle);
    },
    stop: () => informer.stop(),
  };
}

/** Options of cert-manager mode. */
export interface FileCertsOptions {
  /** Directory of the mounted cert-manager Secret (tls.crt, tls.key). */
  dir: string;
  logger: Logger;
  metrics: OperatorMetrics;
  onCertificate(tls: KeyPairPem): void;
  intervalMs?: number;
}

/**
 * cert-manager mode: cert-manager issues the certificate into a Secret mounted into the pod and its
 * CA injector keeps caBundle current; this polls the files (the kubelet swaps a symlink, which
 * file watchers miss) and loads a changed pair.
 */
export function startFileCerts(options: FileCertsOptions): WebhookCertSource {
  const log = options.logger.child({ component: 'webhook-certs', mode: 'cert-manager' });
  let loaded = '';
  let resolveReady!: (v: KeyPairPem) => void;
  const readyPromise = new Promise<KeyPairPem>((r) => (resolveReady = r));
  const poll = async () => {
    try {
      const [certPem, keyPem] = await Promise.all([readFile(`${options.dir}/tls.crt`, 'utf8'), readFile(`${options.dir}/tls.key`, 'utf8')]);
      if (certPem === loaded) return;
      // The two files are read separately: wait for a pair that belongs together.
      if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) return;
      const notAfter = certificateNotAfter(certPem);
      loaded = certPem;
      options.metrics.certExpiry.set(notAfter.getTime() / 1000);
      log.info({ notAfter: notAfter.toISOString() }, 'webhook serving certificate loaded');
      options.onCertificate({ certPem, keyPem });
      resolveReady({ certPem, keyPem });
    } catch (err) {
      log.warn({ err, dir: options.dir }, 'cannot read the webhook certificate files');
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), options.intervalMs ?? 10_000);
  return {
    ready: () => readyPromise,
    reconcile: async () => undefined,
    stop: async () => clearInterval(timer),
  };
}
