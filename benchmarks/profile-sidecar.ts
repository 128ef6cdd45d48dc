/**
 * Where a small statement's time goes in the sidecar: CPU-profiles the sidecar child
 * (benchmarks/sidecar-child.ts, `--cpu-prof`) under the concurrency-1 `select 1` load of
 * benchmarks/side-by-side.ts, for each variant (proxy only, best-effort, required), against the fast
 * fake upstream, and prints per variant:
 *  - added latency p50 vs direct (interleaved rounds, as the side-by-side benchmark does);
 *  - CPU per statement by stage (every profile sample of the timed window is given to the first
 *    stage, in priority order, that any frame of its stack belongs to);
 *  - the functions with the most self time;
 *  - the wall time the sidecar waited on each recorder call (SNOWTRAIL_BENCH_STAGES).
 *
 *   node --import tsx benchmarks/profile-sidecar.ts [--statements=N] [--variants=proxy-only,best-effort,required] [--keep=<dir>] [--journal-payload-max-bytes=N] [--no-cpu-prof] [--json]
 *
 * The child runs from source (tsx), not bundled, so frames keep their file names; at steady state
 * this costs nothing measurable. A helper for finding costs, not a benchmark of record
 * (`pnpm bench sidecar` is).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTokenIssuer } from '@snowtrail/devkit';
import { startFakeUpstream } from './fake-upstream.js';
import { closedLoop, closePools, login } from './lib/raw-client.js';
import { fmt, median } from './lib/stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b001';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };
const VARIANTS = ['proxy-only', 'best-effort', 'required'] as const;
type Variant = (typeof VARIANTS)[number];

/** A node of a V8 .cpuprofile. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
/** A V8 .cpuprofile. */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Stages in priority order: a sample belongs to the first whose test matches a frame of its stack. */
const STAGES: { name: string; test: (url: string, fn: string) => boolean }[] = [
  { name: 'recorder (events, hashing, journal, blobs)', test: (u) => u.includes('/packages/recording/') },
  { name: 'classify (SQL parse)', test: (u) => /\/packages\/policy\/src\/(classify|lexer|tokens?|parse|statement|grammar)/.test(u) },
  { name: 'policy decide + context', test: (u) => u.includes('/packages/policy/') || u.includes('/sidecar/src/session-context') || u.includes('/sidecar/src/session-parameters') },
  { name: 'request read + inflate + JSON parse', test: (u) => u.includes('/sidecar/src/request-body') || u.includes('/protocol/src/read-body') || u.includes('/protocol/src/json-strict') },
  { name: 'response write', test: (u) => u.includes('/sidecar/src/http-io') },
  { name: 'forward: encode body, upstream call', test: (u) => u.includes('/sidecar/src/forward-buffered') || u.includes('/sidecar/src/upstream-client') || u.includes('/protocol/src/body-codec') },
  { name: 'answer: JSON parse, summary, rewrite', test: (u) => u.includes('/sidecar/src/deliver-answer') || u.includes('/sidecar/src/query-answer') },
  { name: 'handler own (route, handle-query, metrics)', test: (u) => u.includes('/sidecar/src/') || u.includes('prom-client') },
  { name: 'undici (upstream HTTP client)', test: (u) => u.includes('undici') },
  { name: 'node http server', test: (u) => /node:_http_|node:http$/.test(u) },
  { name: 'zlib', test: (u) => u.includes('zlib') },
  { name: 'logging (pino)', test: (u) => u.includes('pino') },
  { name: 'sockets, streams, timers', test: (u) => /node:(net|stream|internal\/(streams|stream_base|net|timers)|timers)/.test(u) },
  { name: 'garbage collection', test: (_u, f) => f === '(garbage collector)' },
  { name: 'native / program', test: (_u, f) => f === '(program)' },
  { name: 'idle', test: (_u, f) => f === '(idle)' },
];
const OTHER = 'other JS';

/** CPU by stage and the top self-time functions of a profile's samples in [fromUs, toUs]. */
export function analyseProfile(p: CpuProfile, fromUs: number, toUs: number): { stages: Map<string, number>; self: Map<string, number>; totalMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const stageOfNode = (id: number): string => {
    const cached = stageOf.get(id);
    if (cached !== undefined) return cached;
    const frames: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!);
    const stage = STAGES.find((s) => frames.some((f) => s.test(f.callFrame.url, f.callFrame.functionName)))?.name ?? OTHER;
    stageOf.set(id, stage);
    return stage;
  };
  const stages = new Map<string, number>();
  const self = new Map<string, number>();
  let t = p.startTime;
  let totalMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(p.samples[i]!)!;
    const stage = stageOfNode(node.id);
    stages.set(stage, (stages.get(stage) ?? 0) + ms);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/').replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
    totalMs += ms;
  }
  return { stages, self, totalMs };
}

/** What one variant measured. */
interface VariantResult {
  variant: Variant;
  statements: number;
  directP50: number;
  sidecarP50: number;
  /** CPU ms per statement by stage (idle excluded from the busy total). */
  stagesUs: [string, number][];
  busyUsPerStatement: number;
  /** CPU time (user + system) the sidecar process used a statement, from /proc: insensitive to waiting for a core. */
  cpuUsPerStatement: number;
  topSelf: [string, number][];
  /** Per recorder call kind and spool file operation: calls a statement and median wall ms. */
  recorderWaits: Record<string, { perStatement: number; medianMs: number }>;
}

function spawnChild(configPath: string, recorder: 'real' | 'null', profDir: string | undefined, stagesFile: string): Promise<{ proc: ChildProcess; url: string }> {
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const proc = spawn(process.execPath, [...prof, '--import', 'tsx', join(HERE, 'sidecar-child.ts'), configPath, recorder], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SNOWTRAIL_BENCH_STAGES: stagesFile },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ proc, url: (JSON.parse(out.slice(0, nl)) as { url: string }).url });
    });
    proc.once('exit', (code) => reject(new Error(`sidecar child exited ${code}`)));
  });
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** CPU time (user + system, ms) a process has used so far, from /proc (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based, man 5 proc).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function profileVariant(dir: string, variant: Variant, statements: number, issuer: Awaited<ReturnType<typeof startTokenIssuer>>, fakeUrl: string, recordingExtra: Record<string, unknown>, isProfiled: boolean): Promise<VariantResult> {
  const config = {
    listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
    upstream: { url: fakeUrl, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
    recording: { mode: variant === 'required' ? 'required' : 'best-effort', spoolDir: join(dir, `spool-${variant}`), store: { type: 'dir', path: join(dir, `store-${variant}`) }, signing: { keyFile: join(dir, 'signing.pem') }, ...recordingExtra },
    logLevel: 'warn',
  };
  const configPath = join(dir, `config-${variant}.json`);
  await writeFile(configPath, JSON.stringify(config));
  const profDir = join(dir, `prof-${variant}`);
  const stagesFile = join(dir, `stages-${variant}.json`);
  const child = await spawnChild(configPath, variant === 'proxy-only' ? 'null' : 'real', isProfiled ? profDir : undefined, stagesFile);
  const direct = await login('direct', fakeUrl, { ACCOUNT_NAME: 'BENCH', LOGIN_NAME: 'BENCH', PASSWORD: 'bench', AUTHENTICATOR: 'SNOWFLAKE' });
  const side = await login(`sidecar ${variant}`, child.url, { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) });
  await closedLoop(side, 1, 300);
  await closedLoop(direct, 1, 100);
  const d: number[] = [];
  const s: number[] = [];
  let from = 0;
  let to = 0;
  let cpu = 0;
  // Rounds of 100, interleaved; the profile window spans the sidecar rounds (direct rounds are idle time for it).
  for (let done = 0; done < statements; done += 100) {
    d.push(...(await closedLoop(direct, 1, 100)).latencies);
    from ||= nowUs();
    const c0 = await cpuMs(child.proc.pid!);
    s.push(...(await closedLoop(side, 1, 100)).latencies);
    cpu += (await cpuMs(child.proc.pid!)) - c0;
    to = nowUs();
  }
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill('SIGTERM');
  await exited;
  const file = isProfiled ? (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile')) : undefined;
  const profile = file ? (JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile) : { nodes: [], startTime: 0, samples: [], timeDeltas: [] };
  const a = analyseProfile(profile, from, to);
  const n = s.length;
  const idle = a.stages.get('idle') ?? 0;
  const waits = JSON.parse(await readFile(stagesFile, 'utf8')) as Record<string, number[]>;
  return {
    variant,
    statements: n,
    directP50: median(d),
    sidecarP50: median(s),
    stagesUs: [...a.stages].filter(([k]) => k !== 'idle').sort((x, y) => y[1] - x[1]).map(([k, ms]) => [k, (ms * 1000) / n]),
    busyUsPerStatement: ((a.totalMs - idle) * 1000) / n,
    cpuUsPerStatement: (cpu * 1000) / n,
    topSelf: [...a.self].sort((x, y) => y[1] - x[1]).slice(0, 15).map(([k, ms]) => [k, (ms * 1000) / n]),
    recorderWaits: Object.fromEntries(Object.entries(waits).filter(([, v]) => v.length > 0).map(([k, v]) => [k, { perStatement: v.length / (n + 300), medianMs: median(v) }])),
  };
}

/** Markdown for the results. */
function render(results: VariantResult[], load: { start: number[]; end: number[] }): string {
  const out: string[] = [`Load average (1 / 5 / 15 min): ${load.start.map((l) => l.toFixed(2)).join(' / ')} at the start, ${load.end.map((l) => l.toFixed(2)).join(' / ')} at the end.`, ''];
  for (const r of results) {
    out.push(`#### ${r.variant}: ${r.statements} statements, p50 direct ${fmt(r.directP50, 3)} ms, sidecar ${fmt(r.sidecarP50, 3)} ms (added ${fmt(r.sidecarP50 - r.directP50, 3)} ms); sidecar CPU time ${fmt(r.cpuUsPerStatement, 0)} µs a statement (/proc), profiled busy time ${fmt(r.busyUsPerStatement, 0)} µs`, '');
    out.push('| stage (profile samples) | µs / statement |', '| --- | --- |');
    for (const [k, us] of r.stagesUs) out.push(`| ${k} | ${fmt(us, 0)} |`);
    out.push('', '| top self time | µs / statement |', '| --- | --- |');
    for (const [k, us] of r.topSelf) out.push(`| \`${k}\` | ${fmt(us, 1)} |`);
    const waits = Object.entries(r.recorderWaits);
    if (waits.length > 0) {
      out.push('', '| recorder call or spool file operation | calls / statement | median wall ms |', '| --- | --- | --- |');
      for (const [k, v] of waits) out.push(`| ${k} | ${fmt(v.perStatement, 2)} | ${fmt(v.medianMs, 3)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const statements = Number(arg('statements') ?? 1000);
  const variants = (arg('variants')?.split(',') ?? [...VARIANTS]) as Variant[];
  const keep = arg('keep');
  const carry = arg('journal-payload-max-bytes');
  const start = loadavg();
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-prof-'));
  const issuer = await startTokenIssuer();
  const fake = await startFakeUpstream();
  try {
    await writeFile(join(dir, 'key.p8'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const results: VariantResult[] = [];
    for (const v of variants) {
      process.stderr.write(`[profile] ${v}\n`);
      results.push(await profileVariant(dir, v, statements, issuer, fake.url, carry ? { journalPayloadMaxBytes: Number(carry) } : {}, !process.argv.includes('--no-cpu-prof')));
    }
    const text = render(results, { start, end: loadavg() });
    process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(results)}\n` : `${text}\n`);
    if (keep) {
      await rm(keep, { recursive: true, force: true });
      const { cp } = await import('node:fs/promises');
      await cp(dir, keep, { recursive: true, filter: (src) => !src.includes('/spool-') && !src.includes('/store-') });
    }
  } finally {
    await closePools();
    await fake.close();
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && process.argv[1] === fileURLToPath(import.meta.url)) await main();
