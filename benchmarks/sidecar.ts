/**
 * Sidecar benchmark: what the proxy adds, direct to the emulator vs through the sidecar, same run.
 *
 *   node --import tsx benchmarks/sidecar.ts [--quick]
 *
 * The emulator runs as its own process (benchmarks/emulator.ts's startEmulatorProcess), the load
 * generator here, and the sidecar as a third process (benchmarks/sidecar-child.ts, bundled with
 * esbuild like the image) so its RSS is its own, once with the production recorder (required
 * mode, fsync to a local spool, dir store) and once with a null recorder (the proxy alone).
 * Requests are raw HTTP with undici keep-alive pools (no driver parsing in the measurement):
 *  - added latency of `select 1`: fixed concurrency (closed loop) and 200 qps (open loop), p50/p99,
 *    direct and sidecar phases interleaved to share the machine's noise;
 *  - chunked results (200,000 and 2,000,000 rows): chunk download throughput with the driver's
 *    prefetch of 2, and the sidecar's peak RSS sampled every 10 ms from /proc;
 *  - idle RSS, and time from process start to ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startTokenIssuer } from '@snowtrail/devkit';
import { startEmulatorProcess } from './emulator.js';

const QUICK = process.argv.includes('--quick');
const HERE = dirname(fileURLToPath(import.meta.url));
const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b001';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };

interface Target { name: string; pool: Pool; token: string }
interface Env { success: boolean; code: string | null; message: string | null; data: Record<string, unknown> }

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function post(pool: Pool, path: string, body: unknown, token?: string): Promise<Env> {
  const r = await pool.request({
    method: 'POST', path,
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
    body: JSON.stringify(body),
  });
  return (await r.body.json()) as Env;
}

async function query(t: Target, sqlText: string): Promise<Env> {
  let env = await post(t.pool, `/queries/v1/query-request?requestId=${randomUUID()}`, { sqlText, disableOfflineChunks: false }, t.token);
  while (env.code === '333333') {
    const r = await t.pool.request({ method: 'GET', path: `${env.data.getResultUrl as string}?request_guid=${randomUUID()}`, headers: { authorization: `Snowflake Token="${t.token}"`, accept: 'application/snowflake' } });
    env = (await r.body.json()) as Env;
  }
  if (!env.success) throw new Error(`${t.name}: ${env.code} ${env.message}`);
  return env;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function closedLoop(t: Target, concurrency: number, count: number): Promise<number[]> {
  const lat: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const s = performance.now();
      await query(t, 'select 1 as x');
      lat.push(performance.now() - s);
    }
  }));
  return lat;
}

async function openLoop(t: Target, qps: number, seconds: number): Promise<{ lat: number[]; achieved: number }> {
  const lat: number[] = [];
  const total = qps * seconds;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / qps;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push((async () => {
      const s = performance.now();
      await query(t, 'select 1 as x');
      lat.push(performance.now() - s);
    })());
  }
  await Promise.all(inflight);
  return { lat, achieved: total / ((performance.now() - t0) / 1000) };
}

/** Interleaves direct and sidecar rounds so both see the same machine noise. */
async function compare(direct: Target, side: Target, round: (t: Target) => Promise<number[]>, rounds: number): Promise<{ direct: number[]; sidecar: number[] }> {
  const d: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    d.push(...(await round(direct)));
    s.push(...(await round(side)));
  }
  return { direct: d.sort((a, b) => a - b), sidecar: s.sort((a, b) => a - b) };
}

async function downloadChunks(env: Env, pool: (origin: string) => Pool, onTick?: () => void): Promise<{ bytes: number; ms: number }> {
  const chunks = (env.data.chunks ?? []) as { url: string }[];
  const headers = (env.data.chunkHeaders ?? {}) as Record<string, string>;
  let next = 0;
  let bytes = 0;
  const s = performance.now();
  // snowflake-sdk downloads two chunks at a time (resultPrefetch 2, docs/protocol.md §6.1).
  await Promise.all([0, 1].map(async () => {
    while (next < chunks.length) {
      const u = new URL(chunks[next++]!.url);
      const r = await pool(u.origin).request({ method: 'GET', path: u.pathname + u.search, headers: { ...headers, 'accept-encoding': 'gzip' } });
      if (r.statusCode !== 200) throw new Error(`chunk HTTP ${r.statusCode}`);
      for await (const part of r.body) {
        bytes += (part as Buffer).length;
        onTick?.();
      }
    }
  }));
  return { bytes, ms: performance.now() - s };
}

/** Bundles the child like the image bundles the CLI (esbuild, one ESM file), so RSS and start-up are the shipped shape, not tsx's. */
async function bundleChild(outdir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(outdir, 'bundle', 'sidecar-child.js');
  // splitting: the recorder (and the S3 SDK it pulls) loads only when the child builds the real one.
  await build({
    entryPoints: [join(HERE, 'sidecar-child.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node24', outdir: join(outdir, 'bundle'), outExtension: { '.js': '.js' }, logLevel: 'error',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
  });
  return outfile;
}

let childEntry = '';

async function spawnSidecar(configPath: string, mode: 'real' | 'null'): Promise<{ proc: ChildProcess; url: string; adminUrl: string; startToReadyMs: number; sinceProcessStartMs: number; wallMs: number }> {
  const t0 = performance.now();
  // SNOWTRAIL_BENCH_CHILD_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the sidecar process.
  const extra = (process.env.SNOWTRAIL_BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extra, childEntry, configPath, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res(out.slice(0, nl));
    });
    proc.on('exit', (c) => rej(new Error(`sidecar exited ${c}`)));
  });
  const info = JSON.parse(line) as { url: string; adminUrl: string; startToReadyMs: number; sinceProcessStartMs: number };
  const wallMs = performance.now() - t0;
  return { proc, ...info, wallMs };
}

/** Bucket upper bound holding quantile q of the sidecar's own added-latency histogram (one for all endpoints; this load is almost all query requests). */
async function sidecarOwnLatency(adminUrl: string, q: number, metric = 'snowtrail_sidecar_proxy_added_latency_seconds'): Promise<string> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const buckets = [...text.matchAll(new RegExp(`${metric}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'g'))].map((m) => ({ le: m[1]!, n: Number(m[2]) }));
  const total = buckets.at(-1)?.n ?? 0;
  const hit = buckets.find((b) => b.n >= q * total);
  return hit ? (hit.le === '+Inf' ? '> 0.5 s' : `≤ ${Number(hit.le) * 1000} ms`) : 'n/a';
}

const fmt = (n: number, d = 3): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-bench-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'key.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  await writeFile(join(dir, 'svc.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // The emulator engineer's harness: the emulator in its own process, so this process only generates load.
  const emulator = await startEmulatorProcess(['--user-public-key', `SVC_ETL=${join(dir, 'svc.pub.pem')}`, '--inline-rows', '1000', '--rows-per-chunk', '50000']);
  const configPath = join(dir, 'config.json');
  childEntry = await bundleChild(dir);
  const configFor = (mode: string) => ({
    listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
    upstream: { url: emulator.url, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
    recording: { mode: 'required', spoolDir: join(dir, `spool-${mode}`), store: { type: 'dir', path: join(dir, `store-${mode}`) }, signing: { keyFile: join(dir, 'signing.pem') } },
    logLevel: 'warn',
  });
  const emuPool = new Pool(emulator.url, { connections: 32 });
  const directLogin = await post(emuPool, `/session/v1/login-request?requestId=${randomUUID()}`, { data: { ACCOUNT_NAME: 'BENCH', LOGIN_NAME: 'BENCH', PASSWORD: 'bench', AUTHENTICATOR: 'SNOWFLAKE' } });
  const direct: Target = { name: 'direct', pool: emuPool, token: (directLogin.data as { token: string }).token };
  const chunkPools = new Map<string, Pool>();
  const poolFor = (origin: string): Pool => {
    let p = chunkPools.get(origin);
    if (!p) chunkPools.set(origin, (p = new Pool(origin, { connections: 4 })));
    return p;
  };

  const report: string[] = [];
  const concurrency = 4;
  const perRound = QUICK ? 300 : 1500;
  const rounds = 3;
  const qpsSeconds = QUICK ? 3 : 10;
  const rowsCases = QUICK ? [200_000] : [200_000, 2_000_000];

  const modes = process.argv.includes('--null-only') ? (['null'] as const) : (['null', 'real'] as const);
  for (const mode of modes) {
    await writeFile(configPath, JSON.stringify(configFor(mode)));
    const sc = await spawnSidecar(configPath, mode);
    const sidePool = new Pool(sc.url, { connections: 32 });
    const login = await post(sidePool, `/session/v1/login-request?requestId=${randomUUID()}`, { data: { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) } });
    if (!login.success) throw new Error(`sidecar login failed: ${login.code} ${login.message}`);
    const side: Target = { name: 'sidecar', pool: sidePool, token: (login.data as { token: string }).token };
    await new Promise((r) => setTimeout(r, 1500));
    const idleRss = rssKb(sc.proc.pid!);
    const label = mode === 'real' ? 'sidecar + recorder (required, fsync)' : 'sidecar, null recorder (proxy only)';
    report.push(`\n### ${label}\n`);
    report.push(`- start to ready: ${fmt(sc.startToReadyMs, 0)} ms after the modules loaded (startSidecar: JWKS/credential checks, recorder recovery, listeners); ${fmt(sc.sinceProcessStartMs, 0)} ms from process start (node + bundle load); ${fmt(sc.wallMs, 0)} ms wall from spawn to the ready line`);
    report.push(`- idle RSS after one login: ${fmt(idleRss / 1024, 1)} MiB`);

    await closedLoop(direct, concurrency, 200);
    await closedLoop(side, concurrency, 200);
    const c = await compare(direct, side, (t) => closedLoop(t, concurrency, perRound), rounds);
    report.push(`- select 1, concurrency ${concurrency}, ${c.direct.length} requests each: direct p50 ${fmt(percentile(c.direct, 50))} ms / p99 ${fmt(percentile(c.direct, 99))} ms; sidecar p50 ${fmt(percentile(c.sidecar, 50))} ms / p99 ${fmt(percentile(c.sidecar, 99))} ms; **added p50 ${fmt(percentile(c.sidecar, 50) - percentile(c.direct, 50))} ms, p99 ${fmt(percentile(c.sidecar, 99) - percentile(c.direct, 99))} ms**`);
    report.push(`- the sidecar's own histogram (snowtrail_sidecar_proxy_added_latency_seconds, time in the sidecar minus the upstream wait, all requests of the run): p50 ${await sidecarOwnLatency(sc.adminUrl, 0.5)}, p99 ${await sidecarOwnLatency(sc.adminUrl, 0.99)}`);
    // Open loop in 1-second rounds, alternating direct and sidecar, so both share the machine's noise.
    const od = { lat: [] as number[], achieved: 0 };
    const os = { lat: [] as number[], achieved: 0 };
    for (let i = 0; i < qpsSeconds; i++) {
      const a = await openLoop(direct, 200, 1);
      const b = await openLoop(side, 200, 1);
      od.lat.push(...a.lat);
      os.lat.push(...b.lat);
      od.achieved += a.achieved / qpsSeconds;
      os.achieved += b.achieved / qpsSeconds;
    }
    report.push(`  (sidecar → emulator wait over the whole run, snowtrail_sidecar_upstream_request_duration_seconds: p50 ${await sidecarOwnLatency(sc.adminUrl, 0.5, 'snowtrail_sidecar_upstream_request_duration_seconds')}, p99 ${await sidecarOwnLatency(sc.adminUrl, 0.99, 'snowtrail_sidecar_upstream_request_duration_seconds')})`);
    const dl = od.lat.sort((a, b) => a - b);
    const sl = os.lat.sort((a, b) => a - b);
    report.push(`- select 1 at 200 qps, ${qpsSeconds} × 1 s rounds each, alternating (achieved ${fmt(od.achieved, 0)} / ${fmt(os.achieved, 0)} qps): direct p50 ${fmt(percentile(dl, 50))} ms / p99 ${fmt(percentile(dl, 99))} ms; sidecar p50 ${fmt(percentile(sl, 50))} ms / p99 ${fmt(percentile(sl, 99))} ms; **added p50 ${fmt(percentile(sl, 50) - percentile(dl, 50))} ms, p99 ${fmt(percentile(sl, 99) - percentile(dl, 99))} ms**`);

    for (const rows of rowsCases) {
      const sql = `select range as id, 'row-' || range as label, range * 0.5 as half from range(${rows})`;
      const denv = await query(direct, sql);
      const senv = await query(side, sql);
      // One untimed pass each: the emulator produces chunks lazily; timed passes then measure transfer.
      await downloadChunks(denv, poolFor);
      await downloadChunks(senv, poolFor);
      const before = rssKb(sc.proc.pid!);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKb(sc.proc.pid!))), 10);
      const dRates: number[] = [];
      const sRates: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 3; i++) {
        const d = await downloadChunks(denv, poolFor);
        const s2 = await downloadChunks(senv, poolFor, () => undefined);
        dRates.push(d.bytes / 1048576 / (d.ms / 1000));
        sRates.push(s2.bytes / 1048576 / (s2.ms / 1000));
        bytes = s2.bytes;
      }
      clearInterval(sampler);
      peak = Math.max(peak, rssKb(sc.proc.pid!));
      const med = (a: number[]): number => a.sort((x, y) => x - y)[1]!;
      const dMBs = med(dRates);
      const sMBs = med(sRates);
      report.push(`- ${rows.toLocaleString('en')} rows, ${(denv.data.chunks as unknown[]).length} chunks, ${fmt(bytes / 1048576, 1)} MiB on the wire (gzip), median of 3 warm passes: direct ${fmt(dMBs, 1)} MiB/s, sidecar ${fmt(sMBs, 1)} MiB/s → **${fmt((100 * sMBs) / dMBs, 0)} % of direct**; sidecar RSS ${fmt(before / 1024, 1)} → peak ${fmt(peak / 1024, 1)} MiB (**growth ${fmt((peak - before) / 1024, 1)} MiB**)`);
    }
    await sidePool.close();
    const exited = new Promise((r) => sc.proc.once('exit', r));
    sc.proc.kill('SIGTERM');
    await exited;
  }
  await emuPool.close();
  for (const p of chunkPools.values()) await p.close();
  await emulator.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
  const cpu = cpus()[0]?.model ?? 'unknown';
  process.stdout.write(`Machine: ${cpus().length} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}; ${new Date().toISOString()}; 1-min load average ${fmt(loadAtStart, 1)} at start, ${fmt(loadavg()[0]!, 1)} at end (2 cores)\n${report.join('\n')}\n`);
}

await main();
