/**
 * What the auditor's streaming commands hold in memory, over time: runs `snowtrail sessions show
 * --results`, `replay --speed 0 --results` and `export -o json|csv|html` on one large session with
 * lib/memory-probe.ts preloaded, and prints, per command, the peak RSS and what it was made of at
 * that moment (V8 heap used and reserved, external memory and ArrayBuffers, and the rest: code,
 * native allocations, allocator arenas), plus the peak of each. `--timeline` adds a sample every
 * second. Use the image bundle (`BENCH_AUDIT_CLI`) for RSS figures: tsx adds its own.
 *
 * Run: node --import tsx benchmarks/audit-memory.ts [--store dir:<path> --session <id>] [--timeline]
 *   [--only <command prefix>] [-- <node flags>]
 * (without --store it records a session of BENCH_AUDIT_PAYLOAD_MIB MiB, default 1024, and removes it)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordLargeSession } from '../packages/audit/test/large-session.js';
import { summarizeSamples, type MemorySummary } from './lib/memory-summary.js';
import type { MemorySample } from './lib/memory-probe.js';

const MAIN = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.ts');
const PROBE = join(import.meta.dirname, 'lib', 'memory-probe.ts');
const CLI = process.env.BENCH_AUDIT_CLI ? [process.env.BENCH_AUDIT_CLI] : ['--import', 'tsx', MAIN];

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dashes = process.argv.indexOf('--');
const nodeFlags = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

/** Runs one command with the probe; resolves with its samples, wall time and exit code. */
function probed(args: string[], file: string): Promise<{ samples: MemorySample[]; seconds: number; exit: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeFlags, '--import', PROBE, ...CLI, 'sessions', ...args], { maxBuffer: 1 << 30, env: { ...process.env, NODE_NO_WARNINGS: '1', SNOWTRAIL_MEMORY_PROBE: file } }, (err) => {
      void readFile(file, 'utf8').then((text) => {
        const samples = text.trim().split('\n').map((l) => JSON.parse(l) as MemorySample);
        resolve({ samples, seconds: (performance.now() - t0) / 1000, exit: err ? Number((err as { code?: number }).code ?? 1) : 0 });
      });
    });
  });
}

function line(name: string, seconds: number, exit: number, s: MemorySummary): string {
  const p = s.atPeak;
  return `| \`${name}\` | ${exit} | ${seconds.toFixed(1)} | ${mib(p.rss)} | ${mib(p.heapUsed)} / ${mib(p.heapTotal)} (young ${mib(p.newSpace)}, old ${mib(p.oldSpace)}) | ${mib(p.external)} / ${mib(p.arrayBuffers)} | ${mib(s.otherAtPeak)} | ${mib(s.max.heapUsed)} / ${mib(s.max.heapTotal)} (young ${mib(s.max.newSpace)}) | ${mib(s.max.external)} / ${mib(s.max.arrayBuffers)} |`;
}

const base = await mkdtemp(join(tmpdir(), 'bench-audit-memory-'));
try {
  let store = argValue('--store');
  let id = argValue('--session');
  if (!store || !id) {
    const big = await recordLargeSession(join(base, 'large'), 0, { payloadMiB: Number(process.env.BENCH_AUDIT_PAYLOAD_MIB ?? 1024), noisy: true });
    store = `dir:${big.store}`;
    id = big.sessionId;
  }
  const only = argValue('--only');
  const commands: [string, string[]][] = [
    ['show --results', ['show', id, '--results']],
    ['replay --speed 0 --results', ['replay', id, '--speed', '0', '--results', '--max-rows', '2']],
    ['export -o json', ['export', id, '-o', 'json', '--out', join(base, 'x.json')]],
    ['export -o csv', ['export', id, '-o', 'csv', '--out', join(base, 'x.csv')]],
    ['export -o html', ['export', id, '-o', 'html', '--out', join(base, 'x.html')]],
  ];
  const out: string[] = [
    `CLI: ${process.env.BENCH_AUDIT_CLI ?? 'sources under tsx'}${nodeFlags.length > 0 ? `; node flags ${nodeFlags.join(' ')}` : ''}`,
    '',
    '| command | exit | wall s | peak RSS MiB | at peak: heap used / total (young, old space) | external / arrayBuffers | rest (code, native, arenas) | max heap used / total (young) | max external / arrayBuffers |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const timelines: string[] = [];
  for (const [name, args] of commands) {
    if (only && !name.startsWith(only)) continue;
    const r = await probed([...args, '--store', store], join(base, 'samples.jsonl'));
    const s = summarizeSamples(r.samples);
    out.push(line(name, r.seconds, r.exit, s));
    process.stderr.write(`[audit-memory] ${name}: exit ${r.exit}, ${r.seconds.toFixed(1)} s, peak RSS ${mib(s.atPeak.rss)} MiB\n`);
    if (process.argv.includes('--timeline')) {
      timelines.push(`\n${name} (t s: rss / heapUsed / heapTotal (young, old) / external / arrayBuffers MiB)`);
      for (const x of s.everySecond) timelines.push(`  ${(x.t / 1000).toFixed(0).padStart(4)}: ${mib(x.rss)} / ${mib(x.heapUsed)} / ${mib(x.heapTotal)} (${mib(x.newSpace)}, ${mib(x.oldSpace)}) / ${mib(x.external)} / ${mib(x.arrayBuffers)}`);
    }
  }
  process.stdout.write(`${[...out, ...timelines].join('\n')}\n`);
} finally {
  await rm(base, { recursive: true, force: true });
}
