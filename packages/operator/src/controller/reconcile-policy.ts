import { PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, POLICY_KIND, POLICY_PLURAL, configMapNameFor } from '../constants.js';
import { nextCondition, readyCondition, type ReadyReason } from '../crd/conditions.js';
import { validatePolicySpec, type PolicyCondition, type SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { apiStatus, type KubeClients } from '../kube/kube-clients.js';
import { checkSecrets } from './check-secrets.js';
import type { EventRecorder } from './event-recorder.js';
import { renderConfigMapData, type ServiceAccountIssuer } from './render-config.js';

/** Label on every ConfigMap the operator renders (the ConfigMap informer selects on it). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of MANAGED_BY_LABEL. */
export const MANAGED_BY = 'snowtrail-operator';
/** Label naming the policy a rendered ConfigMap belongs to. */
export const POLICY_LABEL = 'snowtrail.dev/policy';

/** What reconcile reads and writes through. */
export interface ReconcileDeps {
  clients: KubeClients;
  getPolicy(namespace: string, name: string): SnowflakeAccessPolicy | undefined;
  getSecret(namespace: string, name: string): V1Secret | undefined;
  getConfigMap(namespace: string, name: string): V1ConfigMap | undefined;
  issuer(): ServiceAccountIssuer | undefined;
  recordEvent: EventRecorder;
  logger: Logger;
  now(): Date;
}

/** The outcome, for metrics and tests. */
export interface ReconcileOutcome {
  ready: boolean;
  reason?: ReadyReason;
  configMapWritten: boolean;
  statusWritten: boolean;
}

type Verdict = { status: 'True' | 'False'; reason: ReadyReason; message: string };

function ownerRef(policy: SnowflakeAccessPolicy) {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: POLICY_KIND, name: policy.metadata.name!, uid: policy.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

function isOwnedBy(cm: V1ConfigMap, policy: SnowflakeAccessPolicy): boolean {
  return (cm.metadata?.ownerReferences ?? []).some((r) => r.uid === policy.metadata.uid);
}

/** Creates or replaces the policy's ConfigMap when its data differs; returns whether it wrote. */
async function syncConfigMap(deps: ReconcileDeps, policy: SnowflakeAccessPolicy, data: Record<string, string>): Promise<'written' | 'unchanged' | 'conflict'> {
  const namespace = policy.metadata.namespace!;
  const name = configMapNameFor(policy.metadata.name!);
  let existing = deps.getConfigMap(namespace, name);
  if (existing && isOwnedBy(existing, policy) && JSON.stringify(existing.data ?? {}) === JSON.stringify(data)) return 'unchanged';
  const body: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [POLICY_LABEL]: policy.metadata.name! }, ownerReferences: [ownerRef(policy)] },
    data,
  };
  if (!existing) {
    try {
      await deps.clients.core.createNamespacedConfigMap({ namespace, body });
      return 'written';
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
      // Created by someone else, or our cache lags our own earlier write: read the truth.
      existing = await deps.clients.core.readNamespacedConfigMap({ namespace, name });
    }
  }
  if (!isOwnedBy(existing, policy)) return 'conflict';
  if (JSON.stringify(existing.data ?? {}) === JSON.stringify(data)) return 'unchanged';
  await deps.clients.core.replaceNamespacedConfigMap({ namespace, name, body });
  return 'written';
}

/** Decides Ready and renders; pure apart from reading caches. */
function evaluate(deps: ReconcileDeps, policy: SnowflakeAccessPolicy): { verdict: Verdict; data?: Record<string, string> } {
  const namespace = policy.metadata.namespace!;
  const v = validatePolicySpec(policy.spec);
  if (!v.ok) return { verdict: { status: 'False', reason: 'InvalidSpec', message: v.issues.join('; ') } };
  const secrets = checkSecrets(namespace, v.spec, (name) => {
    const s = deps.getSecret(namespace, name);
    return s ? { keys: new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]) } : undefined;
  });
  if (secrets) return { verdict: { status: 'False', ...secrets } };
  const issuer = deps.issuer();
  if (!issuer) return { verdict: { status: 'False', reason: 'JwksUnavailable', message: 'the API server\'s /openid/v1/jwks has not been read yet' } };
  try {
    const { data } = renderConfigMapData({ name: policy.metadata.name!, namespace, generation: policy.metadata.generation ?? 0 }, v.spec, issuer);
    return { verdict: { status: 'True', reason: 'Reconciled', message: `sidecar config rendered into ConfigMap ${configMapNameFor(policy.metadata.name!)}` }, data };
  } catch (err) {
    return { verdict: { status: 'False', reason: 'RenderFailed', message: (err as Error).message } };
  }
}

/**
 * Reconciles one policy: validates it and its Secrets, renders the sidecar config into the
 * ConfigMap it owns, writes the Ready condition with observedGeneration, and records an Event on
 * every Ready transition. Deleted policies need nothing: the ConfigMap is garbage-collected
 * through its ownerReference.
 */
export async function reconcilePolicy(deps: ReconcileDeps, namespace: string, name: string): Promise<ReconcileOutcome | undefined> {
  const policy = deps.getPolicy(namespace, name);
  if (!policy) return undefined;
  const log = deps.logger.child({ policy: `${namespace}/${name}`, generation: policy.metadata.generation });
  const evaluated = evaluate(deps, policy);
  let verdict = evaluated.verdict;
  const data = evaluated.data;
  let configMapWritten = false;
  if (data) {
    const r = await syncConfigMap(deps, policy, data);
    if (r === 'conflict') {
      verdict = { status: 'False', reason: 'ConfigMapConflict', message: `ConfigMap ${namespace}/${configMapNameFor(name)} exists and is not owned by this policy` };
    } else configMapWritten = r === 'written';
  }
  const generation = policy.metadata.generation ?? 0;
  const previous = readyCondition(policy);
  const condition: PolicyCondition = nextCondition(previous, { type: 'Ready', status: verdict.status, reason: verdict.reason, message: verdict.message, observedGeneration: generation }, deps.now());
  const unchanged = previous && previous.status === condition.status && previous.reason === condition.reason && previous.message === condition.message && previous.observedGeneration === generation && policy.status?.observedGeneration === generation;
  let statusWritten = false;
  if (!unchanged) {
    const others = (policy.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    await deps.clients.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, namespace, plural: POLICY_PLURAL, name, body: { status: { observedGeneration: generation, configMapName: configMapNameFor(name), conditions: [...others, condition] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    statusWritten = true;
  }
  const involved = { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: POLICY_KIND, name, namespace, uid: policy.metadata.uid, resourceVersion: policy.metadata.resourceVersion };
  if (!previous || previous.status !== condition.status || previous.reason !== condition.reason) {
    await deps.recordEvent(involved, verdict.status === 'True' ? 'Normal' : 'Warning', verdict.reason, verdict.message);
  } else if (configMapWritten) {
    await deps.recordEvent(involved, 'Normal', 'ConfigRendered', `ConfigMap ${configMapNameFor(name)} updated for generation ${generation}`);
  }
  log.info({ ready: verdict.status, reason: verdict.reason, configMapWritten, statusWritten }, 'policy reconciled');
  return { ready: verdict.status === 'True', reason: verdict.reason, configMapWritten, statusWritten };
}

/** Keys a rendered ConfigMap back to its policy. */
export function policyKeyOfConfigMap(cm: V1ConfigMap): string | undefined {
  const owner = cm.metadata?.ownerReferences?.find((r) => r.kind === POLICY_KIND);
  const name = owner?.name ?? cm.metadata?.labels?.[POLICY_LABEL];
  return name && cm.metadata?.namespace ? `${cm.metadata.namespace}/${name}` : undefined;
}

