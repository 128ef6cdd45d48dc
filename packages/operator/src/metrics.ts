import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** The operator's metrics, registered on the one injected Registry (names are a contract with the chart). */
export interface OperatorMetrics {
  admissions: Counter<'result' | 'reason'>;
  admissionDuration: Histogram;
  reconciles: Counter<'result'>;
  policies: Gauge<'condition' | 'status'>;
  uninjectedPods: Gauge;
  certExpiry: Gauge;
  isLeader: Gauge;
}

/** Registers the operator metrics (and, unless told not to, the default process metrics) on `registry`. */
export function createOperatorMetrics(registry: Registry, options: { version?: string; defaultMetrics?: boolean } = {}): OperatorMetrics {
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({ name: 'snowtrail_build_info', help: 'Build information.', labelNames: ['component', 'version'], registers }).set({ component: 'operator', version: options.version ?? '0.1.0' }, 1);
  return {
    admissions: new Counter({ name: 'snowtrail_operator_admissions_total', help: 'Admission reviews answered, by result and reason.', labelNames: ['result', 'reason'], registers }),
    // Admission runs on every pod create in scope; buckets centre on the 5 ms target.
    admissionDuration: new Histogram({ name: 'snowtrail_operator_admission_duration_seconds', help: 'Time from request body complete to answer written.', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers }),
    reconciles: new Counter({ name: 'snowtrail_operator_reconciles_total', help: 'Policy reconciles, by result.', labelNames: ['result'], registers }),
    policies: new Gauge({ name: 'snowtrail_operator_policies', help: 'Policies by condition type and status.', labelNames: ['condition', 'status'], registers }),
    uninjectedPods: new Gauge({ name: 'snowtrail_operator_uninjected_pods', help: 'Running pods that name a policy but carry no sidecar.', registers }),
    certExpiry: new Gauge({ name: 'snowtrail_operator_webhook_cert_expiry_timestamp_seconds', help: 'Expiry of the webhook serving certificate (Unix seconds).', registers }),
    isLeader: new Gauge({ name: 'snowtrail_operator_is_leader', help: '1 when this replica holds the leader Lease.', registers }),
  };
}
