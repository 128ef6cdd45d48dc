import type { KubernetesListObject, V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ANNOTATION_POLICY, API_GROUP, API_VERSION, POLICY_PLURAL } from '../constants.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { requireOption } from '../errors.js';
import type { KubeClients } from '../kube/kube-clients.js';
import { setPolicyGauge, setUninjectedGauge, type OperatorMetrics } from '../metrics.js';
import { validatePolicySpec } from '../crd/policy-schema.js';
import { requiredSecrets } from './check-secrets.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { startIssuerSource, type IssuerSource } from './issuer-source.js';
import { MANAGED_BY, MANAGED_BY_LABEL, policyKeyOfConfigMap, reconcilePolicy } from './reconcile-policy.js';
import { startSupervisedInformer, type SupervisedInformer } from './supervised-informer.js';
import { UNINJECTED_REASON, UninjectedPodTracker, isUninjected } from './uninjected-pods.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';

/** Options of the policy controller. */
export interface ControllerOptions {
  clients: KubeClients;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Watch one namespace only; all namespaces when absent. */
  namespace?: string;
  /** Identity of this replica (Events' reportingInstance). */
  identity?: string;
  /** Service-account issuer to render instead of the discovered one. */
  issuer?: string;
  jwksRefreshMs?: number;
  backoff?: { baseMs?: number; capMs?: number };
  concurrency?: number;
  now?: () => Date;
  /** How the webhook injects (image default, native sidecars), so that the un-injected-pods check recomputes the same injection. */
  injectOptions?: { image?: string; nativeSidecars?: boolean };
}

/** A running controller: caches on every replica, reconciling only while leading. */
export interface Controller {
  /** Policy lookup for the webhook (the informer cache). */
  getPolicy(namespace: string, name: string): SnowflakeAccessPolicy | undefined;
  /** Resolves when every cache has listed once. */
  synced(): Promise<void>;
  /** Starts or stops writing (leader election calls it). */
  setLeader(leading: boolean): void;
  /** Resolves when no reconcile is queued or running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const keyOf = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Starts the informers (policies, Secrets, rendered ConfigMaps, Pods) and the reconcile queue. */
export function startController(options: ControllerOptions): Controller {
  const clients = requireOption(options.clients, 'clients', 'startController');
  const logger = requireOption(options.logger, 'logger', 'startController').child({ component: 'controller' });
  const metrics = requireOption(options.metrics, 'metrics', 'startController');
  const now = options.now ?? (() => new Date());
  const ns = options.namespace;
  const kubeConfig = clients.kubeConfig;
  let leading = false;
  const record: EventRecorder = createEventRecorder(clients.core, logger, options.identity ?? 'snowtrail-operator', now);

  // Which policies reference which Secret, so a Secret change re-queues exactly those.
  const secretUsers = new Map<string, Set<string>>();
  const indexSecrets = (policy: SnowflakeAccessPolicy) => {
    const key = keyOf(policy.metadata.namespace, policy.metadata.name);
    for (const users of secretUsers.values()) users.delete(key);
    const v = validatePolicySpec(policy.spec);
    if (!v.ok) return;
    for (const r of requiredSecrets(v.spec)) {
      const sk = keyOf(policy.metadata.namespace, r.secretName);
      if (!secretUsers.has(sk)) secretUsers.set(sk, new Set());
      secretUsers.get(sk)!.add(key);
    }
  };

  const updatePolicyGauge = () => {
    setPolicyGauge(
      metrics.policies,
      policies.list().map((p) => ({ namespace: p.metadata.namespace ?? '', policy: p.metadata.name ?? '', ready: p.status?.conditions?.find((c) => c.type === 'Ready')?.status })),
    );
  };

  const queue: WorkQueue = createWorkQueue({
    concurrency: options.concurrency ?? 4,
    backoff: options.backoff,
    process: async (key) => {
      if (!leading) return;
      const [namespace, name] = splitKey(key);
      try {
        await reconcilePolicy(
          {
            clients,
            getPolicy: (n, p) => policies.get(p, n),
            getSecret: (n, s) => secrets.get(s, n),
            getConfigMap: (n, c) => configMaps.get(c, n),
            issuer: () => issuer.current(),
            recordEvent: record,
            logger,
            now,
          },
          namespace,
          name,
        );
        metrics.reconciles.inc({ result: 'success' });
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        throw err;
      }
    },
    onError: (key, err, attempt) => logger.warn({ err, policy: key, attempt }, 'reconcile failed; retrying'),
  });
  const enqueueAll = () => {
    for (const p of policies.list()) queue.add(keyOf(p.metadata.namespace, p.metadata.name));
  };

  const issuer: IssuerSource = startIssuerSource({ clients, logger, intervalMs: options.jwksRefreshMs, issuerOverride: options.issuer, onChange: enqueueAll });

  const base = `/apis/${API_GROUP}/${API_VERSION}`;
  const policies: SupervisedInformer<SnowflakeAccessPolicy & { metadata: { name?: string } }> = startSupervisedInformer({
    kubeConfig,
    logger,
    backoff: options.backoff,
    path: ns ? `${base}/namespaces/${ns}/${POLICY_PLURAL}` : `${base}/${POLICY_PLURAL}`,
    list: async () =>
      (ns
        ? await clients.custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: POLICY_PLURAL })
        : await clients.custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: POLICY_PLURAL })) as KubernetesListObject<SnowflakeAccessPolicy>,
    onAdd: (p) => {
      indexSecrets(p);
      queue.add(keyOf(p.metadata.namespace, p.metadata.name));
      updatePolicyGauge();
    },
    onUpdate: (p) => {
      indexSecrets(p);
      queue.add(keyOf(p.metadata.namespace, p.metadata.name));
      updatePolicyGauge();
    },
    onDelete: (p) => {
      const key = keyOf(p.metadata.namespace, p.metadata.name);
      for (const users of secretUsers.values()) users.delete(key);
      logger.info({ policy: key }, 'policy deleted; its ConfigMap is garbage-collected');
      updatePolicyGauge();
    },
  });
  const onSecret = (s: V1Secret) => {
    for (const key of secretUsers.get(keyOf(s.metadata?.namespace, s.metadata?.name)) ?? []) queue.add(key);
  };
  const secrets = startSupervisedInformer<V1Secret>({
    kubeConfig,
    logger,
    backoff: options.backoff,
    path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
    list: () => (ns ? clients.core.listNamespacedSecret({ namespace: ns }) : clients.core.listSecretForAllNamespaces()),
    onAdd: onSecret,
    onUpdate: onSecret,
    onDelete: onSecret,
  });
  const onConfigMap = (cm: V1ConfigMap) => {
    const key = policyKeyOfConfigMap(cm);
    if (key) queue.add(key);
  };
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
  const configMaps = startSupervisedInformer<V1ConfigMap>({
    kubeConfig,
    logger,
    backoff: options.backoff,
    path: ns ? `/api/v1/namespaces/${ns}/configmaps` : '/api/v1/configmaps',
    labelSelector: selector,
    list: () => (ns ? clients.core.listNamespacedConfigMap({ namespace: ns, labelSelector: selector }) : clients.core.listConfigMapForAllNamespaces({ labelSelector: selector })),
    onUpdate: onConfigMap,
    onDelete: onConfigMap,
  });
  const uninjected = (pod: V1Pod) => isUninjected(pod, (namespace, name) => policies.get(name, namespace), options.injectOptions);
  const tracker = new UninjectedPodTracker(uninjected);
  // Pods this replica has recorded an Event for; a replica that becomes leader records the ones
  // flagged while it was not leading.
  const reported = new Set<string>();
  const reportUninjected = (pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    if (!leading || !uid || reported.has(uid)) return;
    reported.add(uid);
    const policy = pod.metadata?.annotations?.[ANNOTATION_POLICY];
    void record(
      { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, uid },
      'Warning',
      UNINJECTED_REASON,
      `pod names SnowflakeAccessPolicy ${policy} but runs without the snowtrail sidecar (the webhook was unavailable or the pod predates it); its Snowflake traffic is not recorded — delete the pod to have it re-created with the sidecar`,
    );
  };
  const onPod = (pod: V1Pod) => {
    const fresh = tracker.observe(pod);
    setUninjectedGauge(metrics.uninjectedPods, tracker.pods());
    if (fresh) {
      logger.warn({ namespace: pod.metadata?.namespace, pod: pod.metadata?.name, policy: pod.metadata?.annotations?.[ANNOTATION_POLICY] }, 'pod runs without the snowtrail sidecar');
      reportUninjected(pod);
    }
  };
  const pods = startSupervisedInformer<V1Pod>({
    kubeConfig,
    logger,
    backoff: options.backoff,
    path: ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
    list: () => (ns ? clients.core.listNamespacedPod({ namespace: ns }) : clients.core.listPodForAllNamespaces()),
    onAdd: onPod,
    onUpdate: onPod,
    onDelete: (pod) => {
      tracker.forget(pod);
      if (pod.metadata?.uid) reported.delete(pod.metadata.uid);
      setUninjectedGauge(metrics.uninjectedPods, tracker.pods());
    },
  });

  const syncedAll = Promise.all([policies.synced(), secrets.synced(), configMaps.synced(), pods.synced(), issuer.refresh()]).then(() => undefined);

  return {
    getPolicy: (namespace, name) => policies.get(name, namespace),
    synced: () => syncedAll,
    setLeader(next) {
      if (next === leading) return;
      leading = next;
      metrics.isLeader.set(next ? 1 : 0);
      logger.info({ leading }, next ? 'leading: reconciling policies' : 'not leading: caches only');
      // Reconcile only once caches are complete, or a Secret not yet listed looks missing.
      if (next) {
        void syncedAll.then(() => {
          if (!leading) return;
          enqueueAll();
          for (const pod of pods.list()) if (uninjected(pod)) reportUninjected(pod);
        });
      }
    },
    idle: () => queue.idle(),
    async stop() {
      leading = false;
      queue.stop();
      issuer.stop();
      await Promise.all([policies.stop(), secrets.stop(), configMaps.stop(), pods.stop()]);
    },
  };
}
