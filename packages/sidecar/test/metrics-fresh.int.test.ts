/**
 * A short-lived Job pod is scraped a few times in its life. Prometheus' `increase()` needs an earlier
 * sample of a series, so a counter that first appears at 1 hides the first denial or failed login.
 * Here a real sidecar is started and its /metrics scraped over HTTP, as Prometheus would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { destroy, execute, startStack, type Connection, type Stack } from './harness.js';

/** Scrapes the admin port and returns each sample line as `name{labels}` → value. */
async function scrape(stack: Stack): Promise<Map<string, number>> {
  const res = await fetch(`${stack.sidecar.adminUrl}/metrics`);
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

const DENIED_DELETE = 'snowtrail_sidecar_statements_total{outcome="denied",class="DELETE"}';
const EXPIRED_TOKEN = 'snowtrail_sidecar_logins_total{outcome="failure",reason="token_expired"}';

describe('a fresh sidecar', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      realRecorder: true,
      config: (c) => {
        c.policy = { name: 'etl', generation: 1, defaultAction: 'allow', statements: [{ name: 'no-deletes', action: 'deny', classes: ['DELETE'] }], limits: {} };
      },
    });
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('exports every alerting counter at 0 before the first request', async () => {
    const samples = await scrape(stack);
    const expectZero = [
      DENIED_DELETE,
      'snowtrail_sidecar_statements_total{outcome="refused",class="MULTI_STATEMENT"}',
      'snowtrail_sidecar_statements_total{outcome="allowed",class="SELECT"}',
      EXPIRED_TOKEN,
      'snowtrail_sidecar_logins_total{outcome="failure",reason="upstream_rejected"}',
      'snowtrail_sidecar_logins_total{outcome="success",reason="ok"}',
      'snowtrail_sidecar_config_reloads_total{outcome="failure"}',
      'snowtrail_sidecar_limit_breaches_total{limit="rows"}',
      'snowtrail_sidecar_client_bytes_total{direction="in"}',
      'snowtrail_sidecar_chunk_bytes_total',
      'snowtrail_recording_refused_total{reason="spool_full"}',
      'snowtrail_recording_events_dropped_total{reason="spool_write_failed"}',
      'snowtrail_recording_uploads_total{outcome="failure"}',
    ];
    expect(expectZero.map((s) => [s, samples.get(s)])).toEqual(expectZero.map((s) => [s, 0]));
  });

  it('leaves out Node process metrics unless admin.processMetrics is set', async () => {
    const names = [...(await scrape(stack)).keys()];
    expect(names.filter((n) => n.startsWith('process_') || n.startsWith('nodejs_'))).toEqual([]);
  });

  it('counts the first denial and the first expired token on the series that was at 0', async () => {
    const expired = await stack.mint({ expiresInSeconds: -120 });
    await expect(stack.connect({ token: expired })).rejects.toThrow();
    conn = await stack.connect();
    await expect(execute(conn, 'DELETE FROM orders')).rejects.toThrow();
    const samples = await scrape(stack);
    expect([samples.get(DENIED_DELETE), samples.get(EXPIRED_TOKEN)]).toEqual([1, 1]);
  });
});

describe('a sidecar with admin.processMetrics: true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: (c) => (c.admin = { host: '127.0.0.1', port: 0, processMetrics: true }) });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('exports Node process metrics', async () => {
    const names = [...(await scrape(stack)).keys()];
    expect(names.some((n) => n.startsWith('process_resident_memory_bytes'))).toBe(true);
  });
});
