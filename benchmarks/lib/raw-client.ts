/**
 * A raw HTTP Snowflake client for benchmarks (undici keep-alive pools, no driver parsing): login,
 * statements and chunk downloads with the driver's prefetch of two (docs/protocol.md §6.1).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';

/** A path under test: where requests go and the session token to send. */
export interface Target {
  name: string;
  /** Origin of the path (the proxy's when there is one): chunk URLs must point there too. */
  url: string;
  pool: Pool;
  token: string;
}

/** A Snowflake answer envelope. */
export interface Envelope {
  success: boolean;
  code: string | null;
  message: string | null;
  data: Record<string, unknown>;
}

const pools = new Map<string, Pool>();

/** A keep-alive pool per origin (chunk URLs may name another origin than the API). */
export function poolFor(origin: string, connections = 16): Pool {
  let p = pools.get(origin);
  if (!p) pools.set(origin, (p = new Pool(origin, { connections })));
  return p;
}

/** Closes every pool made by poolFor. */
export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

async function post(pool: Pool, path: string, body: unknown, token?: string): Promise<Envelope> {
  const r = await pool.request({
    method: 'POST', path,
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
    body: JSON.stringify(body),
  });
  return (await r.body.json()) as Envelope;
}

/** Logs in with `data` (the login request's data object) and returns the path's target. */
export async function login(name: string, url: string, data: Record<string, unknown>): Promise<Target> {
  const pool = poolFor(url);
  const env = await post(pool, `/session/v1/login-request?requestId=${randomUUID()}`, { data });
  if (!env.success) throw new Error(`${name}: login failed: ${env.code} ${env.message}`);
  return { name, url, pool, token: (env.data as { token: string }).token };
}

/** Runs one statement; throws on a failed answer. */
export async function query(t: Target, sqlText: string): Promise<Envelope> {
  const env = await post(t.pool, `/queries/v1/query-request?requestId=${randomUUID()}`, { sqlText, sequenceId: 1 }, t.token);
  if (!env.success) throw new Error(`${t.name}: ${env.code} ${env.message}`);
  return env;
}

/** `count` statements by `concurrency` workers (closed loop); latencies in ms and the wall time. */
export async function closedLoop(t: Target, concurrency: number, count: number, sqlText = 'select 1'): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const s = performance.now();
      await query(t, sqlText);
      latencies.push(performance.now() - s);
    }
  }));
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Downloads every chunk of an answer, two at a time; gzip bytes on the wire and wall ms. Throws when
 * a chunk URL does not point at `origin` (a proxy that let the client bypass it is not measured).
 */
export async function downloadChunks(env: Envelope, origin: string): Promise<{ bytes: number; ms: number; chunks: number }> {
  const chunks = (env.data.chunks ?? []) as { url: string }[];
  const stray = chunks.find((c) => new URL(c.url).origin !== origin);
  if (stray) throw new Error(`chunk URL ${stray.url} does not go through ${origin}`);
  const headers = (env.data.chunkHeaders ?? {}) as Record<string, string>;
  let next = 0;
  let bytes = 0;
  const s = performance.now();
  await Promise.all([0, 1].map(async () => {
    while (next < chunks.length) {
      const u = new URL(chunks[next++]!.url);
      const r = await poolFor(u.origin).request({ method: 'GET', path: u.pathname + u.search, headers: { ...headers, 'accept-encoding': 'gzip' } });
      if (r.statusCode !== 200) throw new Error(`chunk ${u.pathname}: HTTP ${r.statusCode} ${await r.body.text()}`);
      for await (const part of r.body) bytes += (part as Buffer).length;
    }
  }));
  return { bytes, ms: performance.now() - s, chunks: chunks.length };
}
