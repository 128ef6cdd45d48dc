import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** The sidecar's metrics; names are a contract with the chart's alerts and dashboard. */
export interface SidecarMetrics {
  logins: Counter<'outcome' | 'reason'>;
  statements: Counter<'outcome' | 'class'>;
  upstreamDuration: Histogram<'endpoint'>;
  addedLatency: Histogram<'endpoint'>;
  clientBytes: Counter<'direction'>;
  chunkBytes: Counter;
  activeSessions: Gauge;
  limitBreaches: Counter<'limit'>;
  configReloads: Counter<'outcome'>;
  chunkCapabilities: Gauge;
  foreignAccess: Counter<'endpoint'>;
  requestRefusals: Counter<'reason'>;
  inFlightBytes: Gauge;
}

/** Latency buckets from 50 µs (the proxy's own cost) to 2 min (a long statement upstream). */
const ADDED_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];
const UPSTREAM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Registers the sidecar's metrics, default process metrics and build info on the injected registry. */
export function createSidecarMetrics(registry: Registry, version: string): SidecarMetrics {
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({ name: 'snowtrail_build_info', help: 'Build information; always 1.', labelNames: ['component', 'version'], registers: [registry] });
  buildInfo.set({ component: 'sidecar', version }, 1);
  return {
    logins: new Counter({ name: 'snowtrail_sidecar_logins_total', help: 'Client logins by outcome and reason key.', labelNames: ['outcome', 'reason'], registers: [registry] }),
    statements: new Counter({ name: 'snowtrail_sidecar_statements_total', help: 'Statements by outcome (allowed, denied, failed, refused) and class.', labelNames: ['outcome', 'class'], registers: [registry] }),
    upstreamDuration: new Histogram({ name: 'snowtrail_sidecar_upstream_request_duration_seconds', help: 'Duration of requests to Snowflake (and chunk origins) by endpoint.', labelNames: ['endpoint'], buckets: UPSTREAM_BUCKETS, registers: [registry] }),
    addedLatency: new Histogram({ name: 'snowtrail_sidecar_proxy_added_latency_seconds', help: 'Time the sidecar adds to a request (total minus upstream) by endpoint.', labelNames: ['endpoint'], buckets: ADDED_BUCKETS, registers: [registry] }),
    clientBytes: new Counter({ name: 'snowtrail_sidecar_client_bytes_total', help: 'Bytes exchanged with the driver, by direction.', labelNames: ['direction'], registers: [registry] }),
    chunkBytes: new Counter({ name: 'snowtrail_sidecar_chunk_bytes_total', help: 'Result chunk bytes streamed to the driver.', registers: [registry] }),
    activeSessions: new Gauge({ name: 'snowtrail_sidecar_active_sessions', help: 'Client sessions currently live.', registers: [registry] }),
    limitBreaches: new Counter({ name: 'snowtrail_sidecar_limit_breaches_total', help: 'Results cut by a policy limit, by limit.', labelNames: ['limit'], registers: [registry] }),
    configReloads: new Counter({ name: 'snowtrail_sidecar_config_reloads_total', help: 'Config file reloads by outcome.', labelNames: ['outcome'], registers: [registry] }),
    chunkCapabilities: new Gauge({ name: 'snowtrail_sidecar_chunk_capabilities', help: 'Result-chunk capabilities currently live.', registers: [registry] }),
    foreignAccess: new Counter({ name: 'snowtrail_sidecar_foreign_access_refused_total', help: 'Reaches into another session\'s query (result, monitoring, abort) refused, by endpoint.', labelNames: ['endpoint'], registers: [registry] }),
    requestRefusals: new Counter({ name: 'snowtrail_sidecar_request_refusals_total', help: 'Requests refused before any handling, by reason (body_too_large, busy, body_malformed, duplicate_key, too_deep).', labelNames: ['reason'], registers: [registry] }),
    inFlightBytes: new Gauge({ name: 'snowtrail_sidecar_request_inflight_bytes', help: 'Request body bytes currently buffered, counted against the process-wide budget.', registers: [registry] }),
  };
}
