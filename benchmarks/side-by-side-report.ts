/**
 * Renders the side-by-side run (benchmarks/side-by-side.ts) as markdown and checks it against the
 * issue's targets. Pure: numbers in, text out.
 */
import type { BenchSection, TargetRow } from './lib/report.js';
import { fmt, median, signed } from './lib/stats.js';
import { pct, type ModeResult, type PathSamples, type SideBySideResult } from './side-by-side.js';

const TARGET_ROWS = 2_000_000;
/** Where the "before" figures come from: the sidecar sections of docs/benchmarks.md measured before issue 12. */
const BEFORE = 'emulator upstream, 2026-11-26';
const LABEL: Record<ModeResult['mode'], string> = { 'proxy-only': 'sidecar, proxy only', 'best-effort': 'sidecar, best-effort', required: 'sidecar, required' };

/** Every direct (or nginx) sample of the run, over all sidecar variants' rounds. */
function pooled(r: SideBySideResult, path: 'direct' | 'nginx'): PathSamples | undefined {
  const all = r.modes.map((m) => m[path]).filter((s): s is PathSamples => s !== undefined);
  if (all.length === 0) return undefined;
  const join = (k: keyof PathSamples): number[] => all.flatMap((s) => s[k]);
  return { c1: join('c1'), c8: join('c8'), c8Rate: join('c8Rate'), mibps: join('mibps'), sdkC1: join('sdkC1'), sdkRowsMs: join('sdkRowsMs') };
}

const passes = (r: SideBySideResult): number => Math.ceil(r.sizes.chunkPasses / r.sizes.rounds) * r.sizes.rounds;

/** Figures of one path against the direct samples measured beside it. */
interface Figures {
  c1p50: number; c1p99: number; added50: number; added99: number;
  c8rate: number; c8p99: number; c8added99: number;
  mibps: number; ofDirect: number;
  sdk50: number; sdk99: number; sdkAdded50: number;
  sdkRowsS: number; sdkRowsRatio: number;
}

function figures(s: PathSamples, d: PathSamples): Figures {
  const sdkRowsS = median(s.sdkRowsMs) / 1000;
  return {
    c1p50: pct(s.c1, 50), c1p99: pct(s.c1, 99), added50: pct(s.c1, 50) - pct(d.c1, 50), added99: pct(s.c1, 99) - pct(d.c1, 99),
    c8rate: median(s.c8Rate), c8p99: pct(s.c8, 99), c8added99: pct(s.c8, 99) - pct(d.c8, 99),
    mibps: median(s.mibps), ofDirect: (100 * median(s.mibps)) / median(d.mibps),
    sdk50: pct(s.sdkC1, 50), sdk99: pct(s.sdkC1, 99), sdkAdded50: pct(s.sdkC1, 50) - pct(d.sdkC1, 50),
    sdkRowsS, sdkRowsRatio: sdkRowsS / (median(d.sdkRowsMs) / 1000),
  };
}

function cells(f: Figures | undefined, isDirect: boolean): string[] {
  if (!f) return ['not run', 'not run', 'not run', 'not run', 'not run'];
  const added = (x: number): string => (isDirect ? '' : ` (${signed(x)})`);
  return [
    `${fmt(f.c1p50)}${added(f.added50)} / ${fmt(f.c1p99)}${added(f.added99)}`,
    `${fmt(f.c8rate, 0)} / ${fmt(f.c8p99)}${added(f.c8added99)}`,
    `${fmt(f.mibps, 1)}${isDirect ? '' : ` (**${fmt(f.ofDirect, 0)} %**)`}`,
    `${fmt(f.sdk50)}${added(f.sdkAdded50)} / ${fmt(f.sdk99)}`,
    Number.isFinite(f.sdkRowsS) ? `${fmt(f.sdkRowsS)}${isDirect ? '' : ` (× ${fmt(f.sdkRowsRatio)})`}` : 'not run (quick)',
  ];
}

/** The section for docs/benchmarks.md. */
export function renderSideBySide(r: SideBySideResult): BenchSection {
  const direct = pooled(r, 'direct')!;
  const nginx = pooled(r, 'nginx');
  const columns: { name: string; f: Figures | undefined; direct: boolean }[] = [
    { name: 'direct', f: figures(direct, direct), direct: true },
    { name: r.nginx ? 'nginx' : 'nginx (**not installed**)', f: nginx ? figures(nginx, direct) : undefined, direct: false },
    ...r.modes.map((m) => ({ name: LABEL[m.mode], f: figures(m.sidecar, m.direct), direct: false })),
  ];
  const rowNames = [
    'raw HTTP, `select 1`, concurrency 1: p50 / p99 ms (added vs direct)',
    'raw HTTP, `select 1`, concurrency 8: statements/s / p99 ms (added)',
    `raw HTTP, ${r.sizes.rows.toLocaleString('en')} rows (${r.chunkCount} chunks, ${fmt(r.chunkMiB, 1)} MiB gzip), prefetch 2: MiB/s (% of direct)`,
    'snowflake-sdk, `select 1`, concurrency 1: p50 (added) / p99 ms',
    `snowflake-sdk, ${r.sizes.sdkRows.toLocaleString('en')} rows streamed: s (× direct)`,
  ];
  const table = [
    `| measure | ${columns.map((c) => c.name).join(' | ')} |`,
    `| --- | ${columns.map(() => '---').join(' | ')} |`,
    ...rowNames.map((name, i) => `| ${name} | ${columns.map((c) => cells(c.f, c.direct)[i]).join(' | ')} |`),
    `| sidecar RSS: idle after one login; while streaming chunks before → peak (growth); 2 s after the last chunk, MiB | | | ${r.modes.map((m) => `${fmt(m.idleRssMiB, 1)}; ${fmt(m.rssBeforeChunksMiB, 1)} → ${fmt(m.rssPeakChunksMiB, 1)} (**+${fmt(m.rssPeakChunksMiB - m.rssBeforeChunksMiB, 1)}**); ${fmt(m.rssAfterIdleMiB, 1)}`).join(' | ')} |`,
    `| recording left on disk after the variant's run (spool${r.store === 's3' ? '; the store is s3rver' : ' + dir store'}), MiB | | | ${r.modes.map((m) => fmt(m.recordedMiB, 1)).join(' | ')} |`,
  ].join('\n');

  const byMode = new Map(r.modes.map((m) => [m.mode, figures(m.sidecar, m.direct)]));
  const req = byMode.get('required')!;
  const be = byMode.get('best-effort')!;
  const fullSize = r.sizes.rows === TARGET_ROWS;
  const growth = Math.max(...r.modes.map((m) => m.rssPeakChunksMiB - m.rssBeforeChunksMiB));
  const sizeNote = fullSize ? '' : ` (quick run: ${r.sizes.rows.toLocaleString('en')} rows, not the target's 2M)`;
  const targets: TargetRow[] = [
    { target: 'chunk throughput through the sidecar, `required`, ≥ 80 % of direct (2M rows, raw HTTP, fake upstream)', measured: `${fmt(req.ofDirect, 0)} %${sizeNote}`, met: fullSize ? req.ofDirect >= 80 : undefined, before: `15–16 % (${BEFORE})` },
    { target: 'chunk throughput, `best-effort`, ≥ 90 % of direct', measured: `${fmt(be.ofDirect, 0)} %${sizeNote}`, met: fullSize ? be.ofDirect >= 90 : undefined, before: `not measured; proxy alone 42–44 % (${BEFORE})` },
    { target: 'sidecar RSS growth while streaming ≤ 20 MiB', measured: `+${fmt(growth, 1)} MiB (largest of the three variants)${sizeNote}`, met: fullSize ? growth <= 20 : undefined, before: `5.6–20.8 MiB with the recorder, 13.3 MiB proxy alone (${BEFORE})` },
    { target: `small statement added latency, \`required\`, p50 ≤ 0.3 ms + one fdatasync (fdatasync p50 here: ${fmt(r.fdatasyncP50Ms, 3)} ms)`, measured: `${signed(req.added50, 3)} ms (limit ${fmt(0.3 + r.fdatasyncP50Ms, 3)} ms)`, met: req.added50 <= 0.3 + r.fdatasyncP50Ms, before: `+4.7 ms at concurrency 4 (${BEFORE}, quiet machine); +3.6 ms with snowflake-sdk` },
    { target: 'group commit, `required`, concurrency 8: ≥ 200 statements/s', measured: `${fmt(req.c8rate, 0)} statements/s`, met: req.c8rate >= 200, before: 'not measured' },
    { target: 'group commit, `required`, concurrency 8: p99 added ≤ 5 ms', measured: `${signed(req.c8added99)} ms`, met: req.c8added99 <= 5, before: `p99 +11.7 ms at concurrency 4 (${BEFORE}, quiet machine)` },
    { target: 'small statement added latency, `best-effort`, p50 ≤ 0.3 ms', measured: `${signed(be.added50, 3)} ms`, met: be.added50 <= 0.3, before: '+2.7 ms with snowflake-sdk (issue 12)' },
  ];

  const nginxLine = r.nginx
    ? `nginx (\`${r.nginx}\`, one worker, upstream keep-alive, no disk buffering, Host forwarded so the chunk downloads go through it too) is the reference proxy.`
    : '**nginx is not installed on this machine, so the nginx column was not run** (`scripts/bootstrap.sh --with-bench` installs it).';
  const ratios = [
    nginx ? `nginx/direct: ${fmt(figures(nginx, direct).ofDirect, 0)} % of direct chunk throughput, ${signed(figures(nginx, direct).added50, 3)} ms p50 per small statement` : undefined,
    ...r.modes.map((m) => { const f = byMode.get(m.mode)!; return `${LABEL[m.mode]}/direct: ${fmt(f.ofDirect, 0)} % of direct chunk throughput, ${signed(f.added50, 3)} ms p50 per small statement`; }),
  ].filter(Boolean);

  const markdown = [
    'Upstream: the fake Snowflake of `benchmarks/fake-upstream.ts` (logins and statements answered from memory, chunks served',
    'from pre-built gzip buffers), so the proxy is measured, not a database. Client: a raw HTTP client (undici keep-alive,',
    'no driver parsing) and snowflake-sdk, in the benchmark process; each sidecar variant in its own process (bundled like the',
    `image), its recording spool on local disk and its store ${r.store === 's3' ? 's3rver' : 'a local directory'}. ${nginxLine}`,
    `Each variant's rounds interleave direct${r.nginx ? ', nginx' : ''} and the sidecar (${r.sizes.rounds} rounds; ${r.sizes.latencyPerRound} statements a round at`,
    `concurrency 1, ${r.sizes.c8Count} in all at concurrency 8, ${passes(r)} timed chunk download(s) of the whole result after an untimed one); "added" is a`,
    'percentile of the path minus the same percentile of the direct rounds run beside it. Direct and nginx columns pool all rounds.',
    '',
    table,
    '',
    'Ratios: ' + ratios.join('; ') + '.',
  ].join('\n');
  return { name: 'sidecar', title: 'Sidecar side by side: direct, nginx, sidecar (issue 12)', markdown, targets };
}
