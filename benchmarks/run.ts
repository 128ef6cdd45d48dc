/**
 * `pnpm bench [sidecar] [recording] [audit] [catalog] [--quick] [--store=dir|s3] [--out=<file>] [--no-write]`
 *
 * Runs the named benchmarks (all by default), prints their sections, and writes each one between
 * its generated markers in docs/benchmarks.md (or --out), with the machine, its load at the start
 * and at the end, the Node version and the date. `--quick` runs small sizes (a smoke run: the
 * harness works, the numbers are not the targets' sizes).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineNow, renderSection, replaceSection, type BenchSection } from './lib/report.js';
import { renderAudit, type AuditResults } from './audit-report.js';
import { renderCatalog, type CatalogResults } from './catalog-report.js';
import { renderRecording } from './recording-report.js';
import { FULL, QUICK, runSideBySide } from './side-by-side.js';
import { renderSideBySide } from './side-by-side-report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = ['sidecar', 'recording', 'audit', 'catalog'] as const;
type BenchName = (typeof BENCHMARKS)[number];

/** Parsed command line. */
export interface RunArgs {
  names: BenchName[];
  quick: boolean;
  store: 'dir' | 's3';
  out: string;
  write: boolean;
}

/** Parses the runner's arguments; throws on anything it does not know. */
export function parseArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { names: [], quick: false, store: 'dir', out: join(HERE, '..', 'docs', 'benchmarks.md'), write: true };
  for (const a of argv) {
    if (a === '--') continue;
    else if (a === '--quick') args.quick = true;
    else if (a === '--no-write') args.write = false;
    else if (a === '--store=dir' || a === '--store=s3') args.store = a.slice(8) as 'dir' | 's3';
    else if (a.startsWith('--out=')) args.out = resolve(process.env.INIT_CWD ?? process.cwd(), a.slice(6));
    else if ((BENCHMARKS as readonly string[]).includes(a)) args.names.push(a as BenchName);
    else throw new Error(`bench: unknown argument ${a} (benchmarks: ${BENCHMARKS.join(', ')}; options: --quick, --store=dir|s3, --out=<file>, --no-write)`);
  }
  if (args.names.length === 0) args.names = [...BENCHMARKS];
  return args;
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Runs a benchmark script as its own process and returns the JSON object it prints on stdout. */
async function runChild(script: string, args: string[]): Promise<Record<string, unknown>> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`benchmarks/${script} exited ${code}`);
  return JSON.parse(out.slice(out.indexOf('{'))) as Record<string, unknown>;
}

async function runOne(name: BenchName, args: RunArgs): Promise<BenchSection> {
  const quick = args.quick ? ['--quick'] : [];
  if (name === 'sidecar') return renderSideBySide(await runSideBySide({ sizes: args.quick ? QUICK : FULL, store: args.store, log }));
  if (name === 'audit') return renderAudit((await runChild('audit.ts', quick)) as unknown as AuditResults);
  if (name === 'catalog') return renderCatalog((await runChild('catalog.ts', [...quick, '--json'])) as unknown as CatalogResults);
  return renderRecording(await runChild('recording.ts', quick), args.quick);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = machineNow();
  log(`running ${args.names.join(', ')}${args.quick ? ' (quick)' : ''}; load average ${machine.loadAtStart.map((l) => l.toFixed(2)).join(' / ')}`);
  const sections: BenchSection[] = [];
  for (const name of args.names) {
    log(`${name}: start`);
    sections.push(await runOne(name, args));
  }
  machine.loadAtEnd = loadavg();
  const command = `pnpm bench ${args.names.join(' ')}${args.quick ? ' --quick' : ''}${args.store === 's3' ? ' --store=s3' : ''}`;
  const rendered = sections.map((s) => ({ name: s.name, text: renderSection(s, machine, command) }));
  if (args.names.length === BENCHMARKS.length) {
    const all = sections.flatMap((s) => s.targets);
    rendered.push({ name: 'issue-12-targets', text: renderSection({ name: 'issue-12-targets', title: 'Issue 12 targets, from one run', markdown: 'Every target of issue 12, from the run above (the sections above give the details).', targets: all }, machine, command) });
  }
  for (const r of rendered) process.stdout.write(`${r.text}\n\n`);
  if (args.write) {
    let doc = await readFile(args.out, 'utf8').catch(() => '# Benchmarks\n');
    for (const r of rendered) doc = replaceSection(doc, r.name, r.text);
    await writeFile(args.out, doc);
    log(`wrote ${rendered.map((r) => r.name).join(', ')} to ${args.out}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
