import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { startFileCerts, startSelfManagedCerts, type WebhookCertSource } from './certs/webhook-certs.js';
import type { KeyPairPem } from './certs/x509.js';
import { backoffDelay } from './controller/backoff.js';
import { startController, type Controller } from './controller/controller.js';
import { startLeaderElection, type LeaderElection } from './controller/leader-election.js';
import { OPERATOR_ERRORS, OperatorError, requireOption } from './errors.js';
import type { KubeClients } from './kube/kube-clients.js';
import { createOperatorMetrics, type OperatorMetrics } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { startWebhookServer, type WebhookServer } from './webhook/webhook-server.js';

/** Options of the whole operator process. */
export interface OperatorOptions {
  clients: KubeClients;
  logger: Logger;
  /** The one metrics registry of the process (a new one when absent). */
  registry?: Registry;
  /** The operator's own namespace: its Lease and certificate Secret live there. */
  podNamespace: string;
  /** This replica's identity (pod name). */
  identity: string;
  /** Watch one namespace only (all when absent). */
  watchNamespace?: string;
  webhook?: { host?: string; port?: number; maxBodyBytes?: number };
  metrics?: { host?: string; port?: number };
  leaderElect?: boolean;
  lease?: { name?: string; durationSeconds?: number; renewDeadlineSeconds?: number; retryPeriodSeconds?: number };
  certMode?: 'self' | 'cert-manager';
  /** cert-manager mode: directory of the mounted certificate. */
  certDir?: string;
  certSecretName?: string;
  webhookServiceName?: string;
  webhookConfigName?: string;
  certCheckIntervalMs?: number;
  /** Sidecar image default. */
  image?: string;
  /** Native sidecars: 'auto' asks the API server's version (≥ 1.29). */
  nativeSidecars?: 'auto' | boolean;
  issuer?: string;
  jwksRefreshMs?: number;
  version?: string;
  backoff?: { baseMs?: number; capMs?: number };
}

/** A running operator. */
export interface OperatorHandle {
  webhookUrl: string;
  metricsUrl: string;
  controller: Controller;
  metrics: OperatorMetrics;
  registry: Registry;
  nativeSidecars: boolean;
  isLeader(): boolean;
  close(): Promise<void>;
}

/** Native sidecars (restartPolicy Always on init containers) are on by default from Kubernetes 1.29. */
export function supportsNativeSidecars(version: { major?: string; minor?: string }): boolean {
  const major = Number.parseInt(version.major ?? '', 10);
  const minor = Number.parseInt(version.minor ?? '', 10); // "29+" on some distributions
  return major > 1 || (major === 1 && minor >= 29);
}

/**
 * Starts the operator: informer caches and the webhook on every replica; reconciling, certificate
 * upkeep and Events only on the leader (Lease election when `leaderElect`).
 */
export async function startOperator(options: OperatorOptions): Promise<OperatorHandle> {
  const clients = requireOption(options.clients, 'clients', 'startOperator');
  const logger = requireOption(options.logger, 'logger', 'startOperator');
  const registry = options.registry ?? new Registry();
  const podNamespace = requireOption(options.podNamespace, 'podNamespace', 'startOperator');
  const identity = requireOption(options.identity, 'identity', 'startOperator');
  const metrics = createOperatorMetrics(registry, { version: options.version });

  let nativeSidecars: boolean;
  if (typeof options.nativeSidecars === 'boolean') nativeSidecars = options.nativeSidecars;
  else {
    try {
      nativeSidecars = supportsNativeSidecars((await clients.getJson('/version')) as { major?: string; minor?: string });
    } catch (err) {
      throw new OperatorError(OPERATOR_ERRORS.kubeApi, 'cannot read the API server version to decide on native sidecars (set --native-sidecars)', { cause: err });
    }
  }
  logger.info({ nativeSidecars }, nativeSidecars ? 'native sidecars' : 'cluster older than 1.29: sidecar fallback');

  const controller = startController({ clients, logger, metrics, namespace: options.watchNamespace, identity, issuer: options.issuer, jwksRefreshMs: options.jwksRefreshMs, backoff: options.backoff, injectOptions: { image: options.image, nativeSidecars } });

  // The webhook starts once a certificate exists; later certificates are swapped into it.
  const live: { webhook?: WebhookServer; tls?: KeyPairPem } = {};
  const onCertificate = (tls: KeyPairPem) => {
    live.tls = tls;
    live.webhook?.setCertificate(tls);
  };
  const certs: WebhookCertSource =
    options.certMode === 'cert-manager'
      ? startFileCerts({ dir: requireOption(options.certDir, 'certDir', 'startOperator (cert-manager mode)'), logger, metrics, onCertificate })
      : startSelfManagedCerts({
          clients,
          namespace: podNamespace,
          secretName: options.certSecretName ?? 'snowtrail-webhook-tls',
          serviceName: options.webhookServiceName ?? 'snowtrail-webhook',
          webhookConfigName: options.webhookConfigName ?? 'snowtrail-webhook',
          logger,
          metrics,
          onCertificate,
          backoff: options.backoff,
        });

  // Certificate upkeep while leading: at once, then periodically, retried with backoff on failure.
  let certTimer: NodeJS.Timeout | undefined;
  let certAttempt = 0;
  let leading = false;
  const certLoop = () => {
    if (!leading) return;
    certs.reconcile().then(
      () => {
        certAttempt = 0;
        if (leading) certTimer = setTimeout(certLoop, options.certCheckIntervalMs ?? 3_600_000);
      },
      (err: unknown) => {
        logger.warn({ err }, 'webhook certificate upkeep failed; retrying');
        if (leading) certTimer = setTimeout(certLoop, backoffDelay(certAttempt++, options.backoff));
      },
    );
  };
  const setLeading = (next: boolean) => {
    leading = next;
    controller.setLeader(next);
    if (certTimer) clearTimeout(certTimer);
    if (next) certLoop();
  };
  let election: LeaderElection | undefined;
  if (options.leaderElect) {
    election = startLeaderElection({
      clients,
      namespace: podNamespace,
      name: options.lease?.name ?? 'snowtrail-operator',
      identity,
      logger,
      leaseDurationSeconds: options.lease?.durationSeconds,
      renewDeadlineSeconds: options.lease?.renewDeadlineSeconds,
      retryPeriodSeconds: options.lease?.retryPeriodSeconds,
      onStartedLeading: () => setLeading(true),
      onStoppedLeading: () => setLeading(false),
    });
  } else setLeading(true);

  let serving = false;
  const metricsServer: MetricsServer = await startMetricsServer({ registry, host: options.metrics?.host, port: options.metrics?.port, isReady: () => serving });
  await controller.synced();
  const tls = await certs.ready();
  const webhook = await startWebhookServer({
    tls,
    lookup: (ns, name) => controller.getPolicy(ns, name),
    logger,
    metrics,
    host: options.webhook?.host,
    port: options.webhook?.port,
    maxBodyBytes: options.webhook?.maxBodyBytes,
    injectOptions: { image: options.image, nativeSidecars },
  });
  live.webhook = webhook;
  // A rotation that landed while the server was starting.
  if (live.tls && live.tls.certPem !== tls.certPem) webhook.setCertificate(live.tls);
  serving = true;

  return {
    webhookUrl: webhook.url,
    metricsUrl: metricsServer.url,
    controller,
    metrics,
    registry,
    nativeSidecars,
    isLeader: () => leading,
    async close() {
      serving = false;
      if (certTimer) clearTimeout(certTimer);
      if (election) await election.stop();
      leading = false;
      await Promise.all([webhook.close(), metricsServer.close(), certs.stop(), controller.stop()]);
    },
  };
}
