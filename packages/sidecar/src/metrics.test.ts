import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { AUTH_FAILURE_REASONS } from './auth-reasons.js';
import { createSidecarLogger } from './logger.js';
import { createSidecarMetrics, knownCounterLabels } from './metrics.js';

/** The contract names (shared with the chart's alerts and dashboard). */
const CONTRACT = [
  'snowtrail_sidecar_logins_total', 'snowtrail_sidecar_statements_total', 'snowtrail_sidecar_upstream_request_duration_seconds',
  'snowtrail_sidecar_proxy_added_latency_seconds', 'snowtrail_sidecar_client_bytes_total', 'snowtrail_sidecar_chunk_bytes_total',
  'snowtrail_sidecar_active_sessions', 'snowtrail_sidecar_limit_breaches_total', 'snowtrail_sidecar_config_reloads_total', 'snowtrail_build_info',
  'snowtrail_sidecar_chunk_capabilities', 'snowtrail_sidecar_foreign_access_refused_total', 'snowtrail_sidecar_request_refusals_total', 'snowtrail_sidecar_request_inflight_bytes',
  'snowtrail_sidecar_plan_verifications_total',
];

describe('metrics', () => {
  it('registers the contract names and every snowtrail metric follows the conventions', async () => {
    const registry = new Registry();
    createSidecarMetrics(registry, '0.1.0');
    const metrics = await registry.getMetricsAsJSON();
    const ours = metrics.filter((m) => m.name.startsWith('snowtrail_'));
    expect(ours.map((m) => m.name).sort()).toEqual([...CONTRACT].sort());
    for (const m of ours) {
      expect(m.name).toMatch(/^snowtrail_[a-z]+(_[a-z]+)*$/);
      if (String(m.type) === 'counter') expect(m.name).toMatch(/_total$/);
      if (String(m.type) === 'histogram') expect(m.name).toMatch(/_seconds$/);
      if (m.name.endsWith('_total')) expect(String(m.type)).toBe('counter');
      expect(m.help.length).toBeGreaterThan(10);
    }
    // Process metrics only when asked for (admin.processMetrics), and on the injected registry.
    expect(metrics.some((m) => m.name === 'process_resident_memory_bytes')).toBe(false);
    const withProcess = new Registry();
    createSidecarMetrics(withProcess, '0.1.0', { processMetrics: true });
    expect((await withProcess.getMetricsAsJSON()).some((m) => m.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('pre-sets every login reason the login handler counts', () => {
    const source = readFileSync(new URL('./handle-login.ts', import.meta.url), 'utf8');
    const counted = [...source.matchAll(/reason: '([a-z_]+)'/g)].map((m) => m[1]!);
    const refusals = [...source.matchAll(/refuse\('([a-z_]+)'/g)].map((m) => m[1]!);
    const known = new Set(knownCounterLabels().logins.map((l) => l.reason));
    expect(counted.length).toBeGreaterThan(3);
    expect([...counted, ...refusals, ...Object.keys(AUTH_FAILURE_REASONS)].filter((r) => !known.has(r))).toEqual([]);
  });
});

describe('logger redaction', () => {
  it('never writes tokens, passwords or authorization headers', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createSidecarLogger('info', sink);
    log.info({ headers: { authorization: 'Snowflake Token="REAL-SESSION"' }, token: 'T1', masterToken: 'M1', password: 'P1', data: { TOKEN: 'JWT1', PASSWORD: 'P2' }, privateKey: 'K' }, 'x');
    const out = lines.join('');
    for (const secret of ['REAL-SESSION', 'T1', 'M1', 'P1', 'JWT1', 'P2', '"K"']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});
