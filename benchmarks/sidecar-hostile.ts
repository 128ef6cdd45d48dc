/**
 * Hostile request bodies against the sidecar: does its memory stay bounded, and are legitimate
 * queries still served?
 *
 *   node --import tsx benchmarks/sidecar-hostile.ts [--quick] [--max-request-bytes N] [--budget-bytes N]
 *
 * The emulator and the sidecar (bundled like the image, production recorder in required mode) run
 * as their own processes; this process is the pod's hostile container plus one legitimate client.
 * Each phase runs 16 hostile connections in parallel, each re-sending a maximal body as soon as the
 * previous one is answered, while the legitimate client runs `select 1` in a loop. The sidecar's
 * RSS is sampled every 10 ms from /proc. Phases:
 *  A. unauthenticated logins declaring 60 MB (Content-Length) and streaming it;
 *  B. authenticated query requests declaring listen.maxRequestBytes (Content-Length), valid JSON;
 *  C. authenticated query requests of the largest size the sidecar accepts (Content-Length);
 *  D. the same, chunked (no Content-Length), so the sidecar only learns the size while reading;
 *  E. listen.maxRequestBytes chunked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startTokenIssuer } from '@snowtrail/devkit';
import { startEmulatorProcess } from './emulator.js';

const QUICK = process.argv.includes('--quick');
const HERE = dirname(fileURLToPath(import.meta.url));
const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b002';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };
const HOSTILE = 16;
const PHASE_SECONDS = QUICK ? 5 : 15;
const argMax = process.argv.indexOf('--max-request-bytes');
const MAX_REQUEST_BYTES = argMax > 0 ? Number(process.argv[argMax + 1]) : 64 * 1024 * 1024;
const argBudget = process.argv.indexOf('--budget-bytes');
/** The sidecar's in-flight budget (weighted bytes); 64 MiB is its default. */
const BUDGET_BYTES = argBudget > 0 ? Number(process.argv[argBudget + 1]) : 64 * 1024 * 1024;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function bundleChild(outdir: string): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(HERE, 'sidecar-child.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node24', outdir: join(outdir, 'bundle'), outExtension: { '.js': '.js' }, logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
  });
  return join(outdir, 'bundle', 'sidecar-child.js');
}

async function spawnSidecar(entry: string, configPath: string): Promise<{ proc: ChildProcess; url: string }> {
  // SNOWTRAIL_BENCH_CHILD_ARGS='--max-old-space-size=96' runs the sidecar with Node flags.
  const extra = (process.env.SNOWTRAIL_BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extra, entry, configPath, 'real'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SNOWTRAIL_BENCH_BUDGET_BYTES: String(BUDGET_BYTES) } });
  const line = await new Promise<string>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res(out.slice(0, nl));
    });
    proc.on('exit', (c) => rej(new Error(`sidecar exited ${c}`)));
  });
  return { proc, url: (JSON.parse(line) as { url: string }).url };
}

/** One hostile request over a fresh socket: head, then body bytes as fast as the socket takes them, until any answer or close. */
function hostileOnce(url: URL, head: string, body: Buffer, chunked: boolean): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let status = 0;
    let offset = 0;
    const done = (): void => {
      socket.destroy();
      resolve(status);
    };
    socket.on('data', (d: Buffer) => {
      status = Number(/^HTTP\/1\.1 (\d+)/.exec(d.toString('latin1'))?.[1] ?? 0);
      done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n`);
      const pump = (): void => {
        while (!socket.destroyed && offset < body.length) {
          const piece = body.subarray(offset, offset + 256 * 1024);
          offset += piece.length;
          const ok = socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
          if (!ok) return void socket.once('drain', pump);
        }
        if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      };
      pump();
    });
  });
}

interface PhaseResult { name: string; peakMiB: number; hostileAnswers: Record<string, number>; legit: { ok: number; failed: number; p50: number; p99: number } }

async function runPhase(name: string, pid: number, handle: string, legit: Pool, hostile: () => Promise<number>): Promise<PhaseResult> {
  let peak = rssKb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 10);
  const until = performance.now() + PHASE_SECONDS * 1000;
  const answers: Record<string, number> = {};
  const workers = Array.from({ length: HOSTILE }, async () => {
    while (performance.now() < until) {
      const s = await hostile();
      answers[s || 'closed'] = (answers[s || 'closed'] ?? 0) + 1;
    }
  });
  const lat: number[] = [];
  let ok = 0;
  let failed = 0;
  const legitLoop = (async () => {
    while (performance.now() < until) {
      const t = performance.now();
      try {
        const r = await legit.request({ method: 'POST', path: `/queries/v1/query-request?requestId=${randomUUID()}`, headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${handle}"` }, body: JSON.stringify({ sqlText: 'select 1' }), headersTimeout: 30_000, bodyTimeout: 30_000 });
        const env = (await r.body.json()) as { success: boolean };
        if (r.statusCode === 200 && env.success) ok++;
        else failed++;
      } catch {
        failed++;
      }
      lat.push(performance.now() - t);
    }
  })();
  await Promise.all([...workers, legitLoop]);
  clearInterval(sampler);
  const sorted = lat.sort((a, b) => a - b);
  return { name, peakMiB: peak / 1024, hostileAnswers: answers, legit: { ok, failed, p50: percentile(sorted, 50), p99: percentile(sorted, 99) } };
}

/** The largest query body the sidecar accepts with these settings. */
function effectiveCapOf(): number {
  return Math.min(MAX_REQUEST_BYTES, Math.floor((BUDGET_BYTES * 7) / 8 / 6));
}

/** A hostile query request: a maximal valid body, with Content-Length or chunked. */
function query(url: URL, handle: string, body: Buffer, chunked: boolean): () => Promise<number> {
  return () =>
    hostileOnce(url, `POST /queries/v1/query-request?requestId=${randomUUID()} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`}`, body, chunked);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-hostile-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'key.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(join(dir, 'svc.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  const emulator = await startEmulatorProcess(['--user-public-key', `SVC_ETL=${join(dir, 'svc.pub.pem')}`]);
  const entry = await bundleChild(dir);
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify({
    listen: { host: '127.0.0.1', port: 0, maxRequestBytes: MAX_REQUEST_BYTES }, admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
    upstream: { url: emulator.url, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
    recording: { mode: 'required', spoolDir: join(dir, 'spool'), store: { type: 'dir', path: join(dir, 'store') }, signing: { keyFile: join(dir, 'signing.pem') } },
    logLevel: 'warn',
  }));
  const mib = (n: number): string => (n / 1048576).toFixed(1);
  // The largest query body the sidecar accepts: listen.maxRequestBytes, bounded by what the default
  // budget lets one request hold (1/8 of the budget kept for small requests, 6 × per body byte).
  const effectiveCap = effectiveCapOf();
  const bodyOf = (size: number): Buffer => Buffer.concat([Buffer.from('{"sqlText":"select 1","pad":"'), Buffer.alloc(size - 64, 'a'), Buffer.from('"}')]);
  const big = bodyOf(MAX_REQUEST_BYTES);
  const maximal = bodyOf(effectiveCap);
  const loginBody = Buffer.alloc(60 * 1024 * 1024, ' ');
  const phases: { name: string; attack: (url: URL, handle: string) => () => Promise<number> }[] = [
    { name: 'A. 16 × unauthenticated login declaring 60 MB', attack: (url) => () => hostileOnce(url, `POST /session/v1/login-request HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${loginBody.length}`, loginBody, false) },
    { name: `B. 16 × authenticated query request declaring ${mib(big.length)} MiB (listen.maxRequestBytes)`, attack: (url, handle) => query(url, handle, big, false) },
    { name: `C. 16 × authenticated query request of ${mib(maximal.length)} MiB (the largest accepted), Content-Length`, attack: (url, handle) => query(url, handle, maximal, false) },
    { name: `D. 16 × authenticated query request of ${mib(maximal.length)} MiB, chunked`, attack: (url, handle) => query(url, handle, maximal, true) },
    { name: `E. 16 × authenticated query request of ${mib(big.length)} MiB, chunked`, attack: (url, handle) => query(url, handle, big, true) },
  ];
  const results: PhaseResult[] = [];
  let idle = 0;
  // A fresh sidecar per phase: RSS rarely shrinks, so one phase's peak must not carry into the next.
  for (const phase of phases) {
    const sc = await spawnSidecar(entry, configPath);
    const pid = sc.proc.pid!;
    const url = new URL(sc.url);
    const legit = new Pool(sc.url, { connections: 2 });
    const loginRes = await legit.request({ method: 'POST', path: `/session/v1/login-request?requestId=${randomUUID()}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) } }) });
    const login = (await loginRes.body.json()) as { success: boolean; data: { token: string } };
    if (!login.success) throw new Error('legitimate login failed');
    const handle = login.data.token;
    await new Promise((r) => setTimeout(r, 1000));
    idle = Math.max(idle, rssKb(pid) / 1024);
    results.push(await runPhase(phase.name, pid, handle, legit, phase.attack(url, handle)));
    await legit.close();
    const exited = new Promise((r) => sc.proc.once('exit', r));
    sc.proc.kill('SIGTERM');
    await exited;
  }
  await emulator.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
  const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${fmt(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; ${new Date().toISOString()}; 1-min load average ${fmt(loadAtStart)} at start, ${fmt(loadavg()[0]!)} at end`,
    `listen.maxRequestBytes ${MAX_REQUEST_BYTES} (${MAX_REQUEST_BYTES / 1048576} MiB), in-flight budget ${BUDGET_BYTES / 1048576} MiB weighted, 6 × a body byte (query bodies up to ${(effectiveCapOf() / 1048576).toFixed(1)} MiB), ${PHASE_SECONDS} s a phase; sidecar idle RSS after one login ${fmt(idle)} MiB (highest of the phases' fresh sidecars)`,
    '',
    '| phase | sidecar peak RSS | hostile answers (HTTP status: count) | legitimate `select 1` during the phase |',
    '| --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | **${fmt(r.peakMiB)} MiB** | ${Object.entries(r.hostileAnswers).map(([k, v]) => `${k}: ${v}`).join(', ')} | ${r.legit.ok} ok, ${r.legit.failed} failed; p50 ${fmt(r.legit.p50)} ms, p99 ${fmt(r.legit.p99)} ms |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
