import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { INJECT_REASONS } from './inject/reasons.js';

/** The operator's metrics, registered on the one injected Registry (names are a contract with the chart). */
export interface OperatorMetrics {
  admissions: Counter<'result' | 'reason'>;
  admissionDuration: Histogram;
  reconciles: Counter<'result'>;
  policies: Gauge<'namespace' | 'policy' | 'condition' | 'status'>;
  uninjectedPods: Gauge<'namespace' | 'policy'>;
  certExpiry: Gauge;
  isLeader: Gauge;
}

/** Admission results (label `result` of snowtrail_operator_admissions_total). */
export const ADMISSION_RESULTS = ['allowed', 'denied', 'error'] as const;
/** Statuses a policy's Ready condition can have; a policy without the condition counts as Unknown. */
export const READY_STATUSES = ['True', 'False', 'Unknown'] as const;

/** Registers the operator metrics (and, unless told not to, the default process metrics) on `registry`. */
export function createOperatorMetrics(registry: Registry, options: { version?: string; defaultMetrics?: boolean } = {}): OperatorMetrics {
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({ name: 'snowtrail_build_info', help: 'Build information.', labelNames: ['component', 'version'], registers }).set({ component: 'operator', version: options.version ?? '0.1.0' }, 1);
  const metrics: OperatorMetrics = {
    admissions: new Counter({ name: 'snowtrail_operator_admissions_total', help: 'Admission reviews answered, by result and reason.', labelNames: ['result', 'reason'], registers }),
    // Admission runs on every pod create in scope; buckets centre on the 5 ms target.
    admissionDuration: new Histogram({ name: 'snowtrail_operator_admission_duration_seconds', help: 'Time from request body complete to answer written.', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers }),
    reconciles: new Counter({ name: 'snowtrail_operator_reconciles_total', help: 'Policy reconciles, by result.', labelNames: ['result'], registers }),
    policies: new Gauge({ name: 'snowtrail_operator_policies', help: 'Per policy, 1 for the status its condition has now (0 for the others).', labelNames: ['namespace', 'policy', 'condition', 'status'], registers }),
    uninjectedPods: new Gauge({ name: 'snowtrail_operator_uninjected_pods', help: 'Running pods that name a policy but carry no sidecar, by namespace and policy.', labelNames: ['namespace', 'policy'], registers }),
    certExpiry: new Gauge({ name: 'snowtrail_operator_webhook_cert_expiry_timestamp_seconds', help: 'Expiry of the webhook serving certificate (Unix seconds).', registers }),
    isLeader: new Gauge({ name: 'snowtrail_operator_is_leader', help: '1 when this replica holds the leader Lease.', registers }),
  };
  // Every counter at 0 for each known label set, so `increase()` sees the first error of a new replica.
  for (const result of ADMISSION_RESULTS) for (const reason of Object.keys(INJECT_REASONS)) metrics.admissions.inc({ result, reason }, 0);
  for (const result of ['success', 'error']) metrics.reconciles.inc({ result }, 0);
  metrics.isLeader.set(0);
  return metrics;
}

/**
 * Sets the policy gauge from the policies that exist now: one series per policy and status (1 for
 * its current Ready status, 0 for the others). Starting from a reset keeps the set bounded: a
 * deleted policy's series go with it.
 */
export function setPolicyGauge(gauge: OperatorMetrics['policies'], policies: readonly { namespace: string; policy: string; ready: string | undefined }[]): void {
  gauge.reset();
  for (const p of policies) {
    const current = READY_STATUSES.find((s) => s === p.ready) ?? 'Unknown';
    for (const status of READY_STATUSES) gauge.set({ namespace: p.namespace, policy: p.policy, condition: 'Ready', status }, status === current ? 1 : 0);
  }
}

/** Sets the uninjected-pods gauge to the count per namespace and policy of the pods flagged now. */
export function setUninjectedGauge(gauge: OperatorMetrics['uninjectedPods'], pods: readonly { namespace: string; policy: string }[]): void {
  const counts = new Map<string, { namespace: string; policy: string; n: number }>();
  for (const p of pods) {
    const key = `${p.namespace}/${p.policy}`;
    const entry = counts.get(key) ?? { ...p, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  gauge.reset();
  for (const { namespace, policy, n } of counts.values()) gauge.set({ namespace, policy }, n);
}
