/**
 * The auditor's tools, as an auditor runs them (the CLI as a child process, wall time and peak RSS
 * from GNU time):
 * 1. one large session — recorded by the real recorder (format v2; gzip JSON chunks of 4 MiB of rows
 *    with random labels, so the stored payload is about half the rows' size) until its stored payload
 *    reaches the size asked (1024 MiB; 16 in --quick) — then `sessions verify`, `show --results`,
 *    `replay --speed 0 --results` and `export -o json|csv|html --out …`;
 * 2. a fleet of small sessions (10,000; 100 in --quick), each a few statements with an inline answer,
 *    recorded by the real recorder — then `sessions verify --all` cold (empty verify cache) and again
 *    (incremental: every session unchanged).
 * Prints one JSON object (read by run.ts); `--table` prints markdown instead.
 * Run: node --import tsx benchmarks/audit.ts [--quick] [--table]
 * (env: BENCH_AUDIT_PAYLOAD_MIB, BENCH_AUDIT_SESSIONS, BENCH_AUDIT_KEEP=1 keeps the stores,
 * BENCH_AUDIT_CLI=<dir>/snowtrail.mjs runs the image's bundle instead of the sources under tsx)
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRecorder } from '@snowtrail/recording';
import { recordLargeSession } from '../packages/audit/test/large-session.js';
import type { AuditResults, CommandRun } from './audit-report.js';

const quick = process.argv.includes('--quick');
const PAYLOAD_MIB = Number(process.env.BENCH_AUDIT_PAYLOAD_MIB ?? (quick ? 16 : 1024));
const SESSIONS = Number(process.env.BENCH_AUDIT_SESSIONS ?? (quick ? 100 : 10_000));
const MAIN = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.ts');
/** The CLI as run: the image's bundle when BENCH_AUDIT_CLI names it (scripts/build-image-bundle.ts), else the sources under tsx. */
const CLI = process.env.BENCH_AUDIT_CLI ? [process.env.BENCH_AUDIT_CLI] : ['--import', 'tsx', MAIN];

/** V8 flags of the capped runs: the streamed commands' live data is small; V8's default heap sizing is what RSS mostly measures. */
export const HEAP_CAP_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=4'];

/** Resident memory of a process and all its descendants, in KiB (Linux /proc; 0 once it has gone). */
async function treeRssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  let kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const c of children.split(/\s+/).filter(Boolean)) kib += await treeRssKiB(Number(c));
  return kib;
}

/**
 * Runs `snowtrail sessions …` and measures wall time and peak RSS: the larger of GNU time's figure (the
 * largest single process) and the sum over the process tree sampled every 20 ms (the CLI may run its
 * streaming commands in a heap-bounded child, and then both processes count).
 */
function timed(name: string, args: string[], nodeFlags: string[] = []): Promise<CommandRun> {
  return new Promise((resolve) => {
    let peakTreeKiB = 0;
    const child = execFile('/usr/bin/time', ['-f', 'BENCH %e %M', process.execPath, ...nodeFlags, ...CLI, 'sessions', ...args], { maxBuffer: 1 << 30, env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (err, _stdout, stderr) => {
      clearInterval(sampler);
      const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
      const kib = Math.max(Number(m?.[2] ?? NaN), peakTreeKiB);
      resolve({ command: name, seconds: Number(m?.[1] ?? NaN), rssMiB: Math.round(kib / 1024), exit: err ? Number((err as { code?: number }).code ?? 1) : 0 });
    });
    const sampler = setInterval(() => {
      if (child.pid !== undefined) void treeRssKiB(child.pid).then((k) => (peakTreeKiB = Math.max(peakTreeKiB, k)));
    }, 20);
  });
}

const log = (line: string): void => void process.stderr.write(`[audit] ${line}\n`);

async function largeSession(base: string): Promise<AuditResults['large']> {
  const t0 = Date.now();
  const big = await recordLargeSession(join(base, 'large'), 0, { payloadMiB: PAYLOAD_MIB, noisy: true });
  const recordSeconds = (Date.now() - t0) / 1000;
  log(`large session recorded: ${(big.payloadBytes / 2 ** 20).toFixed(0)} MiB stored, ${big.rows} rows, ${recordSeconds.toFixed(1)} s`);
  const store = ['--store', `dir:${big.store}`];
  const id = big.sessionId;
  const json = join(base, 'x.json');
  const runs: CommandRun[] = [];
  for (const [name, args] of [
    ['verify', ['verify', id]],
    ['show --results', ['show', id, '--results']],
    ['replay --speed 0 --results', ['replay', id, '--speed', '0', '--results', '--max-rows', '2']],
    ['export -o json', ['export', id, '-o', 'json', '--out', json]],
    ['export -o csv', ['export', id, '-o', 'csv', '--out', join(base, 'x.csv')]],
    ['export -o html', ['export', id, '-o', 'html', '--out', join(base, 'x.html')]],
  ] as const) {
    const r = await timed(name, [...args, ...store]);
    log(`sessions ${name}: exit ${r.exit}, ${r.seconds} s, ${r.rssMiB} MiB`);
    runs.push(r);
  }
  for (const [name, args] of [
    ['show --results', ['show', id, '--results']],
    ['export -o html', ['export', id, '-o', 'html', '--out', join(base, 'x.html')]],
  ] as const) {
    const r = await timed(`${name} (heap capped)`, [...args, ...store], HEAP_CAP_FLAGS);
    log(`sessions ${name} with ${HEAP_CAP_FLAGS.join(' ')}: exit ${r.exit}, ${r.seconds} s, ${r.rssMiB} MiB`);
    runs.push(r);
  }
  const jsonExportMiB = Math.round((await stat(json).catch(() => ({ size: NaN }))).size / 2 ** 20);
  await rm(json, { force: true });
  return { payloadMiB: Math.round(big.payloadBytes / 2 ** 20), rowMiB: big.chunks * 4, rows: big.rows, chunks: big.chunks, recordSeconds, runs, jsonExportMiB };
}

/** Records `n` small sessions (a few statements with an inline answer each), many at a time. */
async function recordFleet(base: string, n: number): Promise<string> {
  const store = join(base, 'store');
  const keyFile = join(base, 'key.pem');
  await mkdir(base, { recursive: true });
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 4 * 1024 * 1024 * 1024, store: { type: 'dir', path: store }, flush: { intervalSeconds: 0.5, maxBytes: 256 * 1024 }, signing: { keyFile }, redact: [] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const s = await recorder.startSession({ identity: { subject: `system:serviceaccount:team-${i % 12}:etl`, namespace: `team-${i % 12}`, podName: `worker-${i % 400}`, serviceAccount: 'etl' }, policy: { name: 'audit', generation: 4 }, snowflake: { account: 'ACME', user: 'SVC_ETL' }, client: { app: 'JDBC' } });
    for (let q = 0; q < 3 + (i % 5); q++) {
      await s.queryStarted({ requestId: `r${q}`, sqlText: `select id, amount from dw.public.t${(i + q) % 50} where id = ${q}`, statements: [{ class: 'SELECT', reads: [`DW.PUBLIC.T${(i + q) % 50}`], writes: [] }], decision: 'allow' });
      const answer = { data: { queryId: `01b8-${i}-${q}`, rowtype: [{ name: 'ID', type: 'fixed' }, { name: 'AMOUNT', type: 'real' }], rowset: [[String(q), String(i / 7)]] }, success: true };
      await s.result({ requestId: `r${q}`, queryId: `01b8-${i}-${q}`, part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify(answer)));
      await s.queryEnded({ requestId: `r${q}`, queryId: `01b8-${i}-${q}`, status: 'success', rows: 1 });
    }
    await s.end('client_logout');
  };
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < n) await one(next++);
  }));
  await recorder.close();
  return store;
}

async function fleet(base: string): Promise<AuditResults['fleet']> {
  const t0 = Date.now();
  const store = await recordFleet(join(base, 'fleet'), SESSIONS);
  const recordSeconds = (Date.now() - t0) / 1000;
  log(`fleet recorded: ${SESSIONS} sessions, ${recordSeconds.toFixed(1)} s`);
  const args = ['verify', '--all', '--store', `dir:${store}`, '--cache-dir', join(base, 'verify-cache')];
  const cold = await timed('verify --all (cold cache)', args);
  log(`verify --all cold: exit ${cold.exit}, ${cold.seconds} s, ${cold.rssMiB} MiB`);
  const warm = await timed('verify --all (incremental, nothing changed)', args);
  log(`verify --all incremental: exit ${warm.exit}, ${warm.seconds} s, ${warm.rssMiB} MiB`);
  return { sessions: SESSIONS, recordSeconds, cold, warm, concurrency: 8 };
}

/** The markdown table of a result (standalone runs). */
function table(r: AuditResults): string {
  const rows = [...r.large.runs, r.fleet.cold, r.fleet.warm];
  return ['| command | exit | wall s | peak RSS MiB |', '| --- | --- | --- | --- |', ...rows.map((x) => `| \`sessions ${x.command}\` | ${x.exit} | ${x.seconds} | ${x.rssMiB} |`)].join('\n');
}

const base = await mkdtemp(join(tmpdir(), 'bench-audit-'));
try {
  const results: AuditResults = { quick, cli: process.env.BENCH_AUDIT_CLI ? 'the image bundle' : 'the sources under tsx', large: await largeSession(base), fleet: await fleet(base) };
  process.stdout.write(process.argv.includes('--table') ? `${table(results)}\n` : `${JSON.stringify(results)}\n`);
} finally {
  if (process.env.BENCH_AUDIT_KEEP === '1') log(`kept ${base}`);
  else await rm(base, { recursive: true, force: true });
}
