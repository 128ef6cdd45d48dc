import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { PLAN_OUTCOMES } from './plan-objects.js';
import { STATEMENT_CLASSES } from '@snowtrail/policy';
import { AUTH_FAILURE_REASONS } from './auth-reasons.js';

/** The sidecar's metrics; names are a contract with the chart's alerts and dashboard. */
export interface SidecarMetrics {
  logins: Counter<'outcome' | 'reason'>;
  statements: Counter<'outcome' | 'class'>;
  upstreamDuration: Histogram<'endpoint'>;
  addedLatency: Histogram;
  clientBytes: Counter<'direction'>;
  chunkBytes: Counter;
  activeSessions: Gauge;
  limitBreaches: Counter<'limit'>;
  configReloads: Counter<'outcome'>;
  chunkCapabilities: Gauge;
  foreignAccess: Counter<'endpoint'>;
  requestRefusals: Counter<'reason'>;
  planVerifications: Counter<'outcome'>;
  inFlightBytes: Gauge;
}

/** What the sidecar's metrics take besides the registry and version. */
export interface SidecarMetricsOptions {
  /** Also export Node's default process metrics (`process_*`, `nodejs_*`); config key `admin.processMetrics`. */
  processMetrics?: boolean;
}

/** Login refusals decided outside the identity check (the identity check's keys are AUTH_FAILURE_REASONS). */
export const LOGIN_FAILURE_REASONS = ['login_parameter_conflict', 'credential_unusable', 'upstream_unavailable', 'upstream_rejected', 'recording_unavailable', 'session_parameter_denied'] as const;

/** Statement outcomes (label `outcome` of snowtrail_sidecar_statements_total). */
export const STATEMENT_OUTCOMES = ['allowed', 'denied', 'failed', 'refused'] as const;

/** Recording counters the alerts watch, with every reason/outcome the recording package counts. */
const RECORDING_COUNTERS: readonly [string, string, readonly string[]][] = [
  ['snowtrail_recording_refused_total', 'reason', ['recorder_closed', 'spool_full', 'spool_write_failed']],
  ['snowtrail_recording_events_dropped_total', 'reason', ['recorder_closed', 'spool_full', 'spool_write_failed']],
  ['snowtrail_recording_uploads_total', 'outcome', ['success', 'failure']],
];

/** Latency buckets from 50 µs (the proxy's own cost) to 0.5 s. */
const ADDED_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];
const UPSTREAM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Every label set of the sidecar's counters known before the first request. */
export function knownCounterLabels(): { logins: { outcome: string; reason: string }[]; statements: { outcome: string; class: string }[] } {
  const failures = [...Object.keys(AUTH_FAILURE_REASONS), ...LOGIN_FAILURE_REASONS];
  const classes = [...STATEMENT_CLASSES, 'MULTI_STATEMENT'];
  return {
    logins: [{ outcome: 'success', reason: 'ok' }, ...failures.map((reason) => ({ outcome: 'failure', reason }))],
    statements: STATEMENT_OUTCOMES.flatMap((outcome) => classes.map((c) => ({ outcome, class: c }))),
  };
}

/**
 * Registers the sidecar's metrics and build info on the injected registry, every counter at 0 for
 * each known label set. A series that first appears at 1 has no earlier sample, so
 * `increase(...) > 0` never sees the first denial or failed login of a short-lived Job pod.
 */
export function createSidecarMetrics(registry: Registry, version: string, options: SidecarMetricsOptions = {}): SidecarMetrics {
  // Off by default: some 40 series per pod that churn with every Job (ADR 0006).
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({ name: 'snowtrail_build_info', help: 'Build information; always 1.', labelNames: ['component', 'version'], registers: [registry] });
  buildInfo.set({ component: 'sidecar', version }, 1);
  const metrics: SidecarMetrics = {
    logins: new Counter({ name: 'snowtrail_sidecar_logins_total', help: 'Client logins by outcome and reason key.', labelNames: ['outcome', 'reason'], registers: [registry] }),
    statements: new Counter({ name: 'snowtrail_sidecar_statements_total', help: 'Statements by outcome (allowed, denied, failed, refused) and class.', labelNames: ['outcome', 'class'], registers: [registry] }),
    upstreamDuration: new Histogram({ name: 'snowtrail_sidecar_upstream_request_duration_seconds', help: 'Duration of requests to Snowflake (and chunk origins) by endpoint.', labelNames: ['endpoint'], buckets: UPSTREAM_BUCKETS, registers: [registry] }),
    // One histogram, not one per endpoint: the proxy's own cost barely depends on it (ADR 0006).
    addedLatency: new Histogram({ name: 'snowtrail_sidecar_proxy_added_latency_seconds', help: 'Time the sidecar adds to a request (total minus upstream), all endpoints but chunks.', buckets: ADDED_BUCKETS, registers: [registry] }),
    clientBytes: new Counter({ name: 'snowtrail_sidecar_client_bytes_total', help: 'Bytes exchanged with the driver, by direction.', labelNames: ['direction'], registers: [registry] }),
    chunkBytes: new Counter({ name: 'snowtrail_sidecar_chunk_bytes_total', help: 'Result chunk bytes streamed to the driver.', registers: [registry] }),
    activeSessions: new Gauge({ name: 'snowtrail_sidecar_active_sessions', help: 'Client sessions currently live.', registers: [registry] }),
    limitBreaches: new Counter({ name: 'snowtrail_sidecar_limit_breaches_total', help: 'Results cut by a policy limit, by limit.', labelNames: ['limit'], registers: [registry] }),
    configReloads: new Counter({ name: 'snowtrail_sidecar_config_reloads_total', help: 'Config file reloads by outcome.', labelNames: ['outcome'], registers: [registry] }),
    chunkCapabilities: new Gauge({ name: 'snowtrail_sidecar_chunk_capabilities', help: 'Result-chunk capabilities currently live.', registers: [registry] }),
    foreignAccess: new Counter({ name: 'snowtrail_sidecar_foreign_access_refused_total', help: 'Reaches into another session\'s query (result, monitoring, abort) refused, by endpoint.', labelNames: ['endpoint'], registers: [registry] }),
    requestRefusals: new Counter({ name: 'snowtrail_sidecar_request_refusals_total', help: 'Requests refused before any handling, by reason (body_too_large, busy, body_malformed, duplicate_key, too_deep).', labelNames: ['reason'], registers: [registry] }),
    planVerifications: new Counter({ name: 'snowtrail_sidecar_plan_verifications_total', help: 'Requests checked against Snowflake\'s plan (policy.verify: explain), by outcome (allowed, plan_read_denied, plan_unavailable).', labelNames: ['outcome'], registers: [registry] }),
    inFlightBytes: new Gauge({ name: 'snowtrail_sidecar_request_inflight_bytes', help: 'Request body bytes currently buffered, counted against the process-wide budget.', registers: [registry] }),
  };
  const known = knownCounterLabels();
  for (const labels of known.logins) metrics.logins.inc(labels, 0);
  for (const labels of known.statements) metrics.statements.inc(labels, 0);
  for (const direction of ['in', 'out']) metrics.clientBytes.inc({ direction }, 0);
  for (const limit of ['rows', 'bytes']) metrics.limitBreaches.inc({ limit }, 0);
  for (const outcome of ['success', 'failure']) metrics.configReloads.inc({ outcome }, 0);
  for (const outcome of PLAN_OUTCOMES) metrics.planVerifications.inc({ outcome }, 0);
  return metrics;
}

/**
 * Sets the recording counters the alerts watch to 0 for every known reason, once the recorder has
 * registered them on the sidecar's registry (a custom recorder may not have: then nothing happens).
 */
export function zeroRecordingCounters(registry: Registry): void {
  for (const [name, label, values] of RECORDING_COUNTERS) {
    const metric = registry.getSingleMetric(name);
    if (!(metric instanceof Counter)) continue;
    for (const value of values) metric.inc({ [label]: value }, 0);
  }
}
