/** Renders benchmarks/audit.ts's JSON results as a section of docs/benchmarks.md, with issue 12's auditor targets. Pure. */
import type { BenchSection, TargetRow } from './lib/report.js';

/** One command's run (as audit.ts prints it). */
export interface CommandRun {
  command: string;
  exit: number;
  seconds: number;
  rssMiB: number;
}

/** What audit.ts prints. */
export interface AuditResults {
  quick: boolean;
  /** Which CLI ran: the image bundle or the sources under tsx (older results: tsx). */
  cli?: string;
  large: { payloadMiB: number; rowMiB: number; rows: number; chunks: number; recordSeconds: number; runs: CommandRun[]; jsonExportMiB: number };
  fleet: { sessions: number; recordSeconds: number; cold: CommandRun; warm: CommandRun; concurrency: number };
}

/** Sizes the targets are stated at. */
export const TARGET_PAYLOAD_MIB = 1024;
export const TARGET_SESSIONS = 10_000;
const RSS_LIMIT_MIB = 256;

const row = (r: CommandRun): string => `| \`sessions ${r.command}\` | ${r.exit} | ${r.seconds.toFixed(2)} | ${r.rssMiB} |`;
const ok = (r: CommandRun | undefined): boolean => r !== undefined && r.exit === 0 && Number.isFinite(r.seconds);

/** The auditor section and its targets; a run below the targets' sizes claims none of them. */
export function renderAudit(r: AuditResults): BenchSection {
  const big = r.large;
  const fullSize = big.payloadMiB >= TARGET_PAYLOAD_MIB * 0.95;
  const fleetFull = r.fleet.sessions >= TARGET_SESSIONS;
  const sizeNote = fullSize ? '' : ` (quick run: ${big.payloadMiB} MiB, not the target's 1 GiB)`;
  const fleetNote = fleetFull ? '' : ` (quick run: ${r.fleet.sessions} sessions, not the target's 10,000)`;
  const verify = big.runs.find((x) => x.command === 'verify');
  const capped = big.runs.filter((x) => x.command.endsWith('(heap capped)'));
  const streamed = big.runs.filter((x) => x.command !== 'verify' && !capped.includes(x));
  const worst = streamed.reduce((m, x) => Math.max(m, x.rssMiB), 0);
  const markdown = [
    `\`benchmarks/audit.ts\`: the CLI as a child process (${r.cli ?? 'the sources under tsx'}; \`BENCH_AUDIT_CLI\` selects the image bundle), wall time and peak RSS, over recordings`,
    'written by the real recorder (format v2) in a directory store.',
    '',
    `**One large session**: one statement, an inline answer and ${big.chunks} gzip JSON chunks of 4 MiB of rows (random labels),`,
    `${big.payloadMiB} MiB stored, ${big.rows.toLocaleString('en-US')} rows; recorded in ${big.recordSeconds.toFixed(1)} s. JSON export: ${big.jsonExportMiB} MiB.`,
    '',
    '| command | exit | wall s | peak RSS MiB |',
    '| --- | --- | --- | --- |',
    ...big.runs.map(row),
    '',
    'Runs marked "heap capped" pass `--max-old-space-size=128 --max-semi-space-size=4` to Node (e.g. through `NODE_OPTIONS`):',
    'the commands hold one result part at a time, and without a cap most of their RSS is V8 letting garbage accumulate.',
    '',
    `**A fleet of ${r.fleet.sessions.toLocaleString('en-US')} small sessions** (3–7 statements with an inline answer each), recorded in ${r.fleet.recordSeconds.toFixed(1)} s;`,
    `\`verify --all\` at concurrency ${r.fleet.concurrency}, first with an empty verify cache, then again with nothing changed (ADR 0093).`,
    '',
    '| command | exit | wall s | peak RSS MiB |',
    '| --- | --- | --- | --- |',
    row(r.fleet.cold),
    row(r.fleet.warm),
  ].join('\n');
  const targets: TargetRow[] = [
    {
      target: '`verify` of a session holding 1 GB of results ≤ 10 s',
      measured: ok(verify) ? `${verify!.seconds.toFixed(2)} s, ${verify!.rssMiB} MiB RSS${sizeNote}` : `failed (exit ${verify?.exit})`,
      met: fullSize && ok(verify) ? verify!.seconds <= 10 : undefined,
      before: '14.5–19.4 s (issue 12)',
    },
    {
      target: '`show`, `replay`, `export -o json\\|csv\\|html` of that session with RSS ≤ 256 MiB',
      measured: `${streamed.map((x) => `${x.command.split(' ').slice(0, 3).join(' ')} ${ok(x) ? `${x.rssMiB} MiB` : `failed (exit ${x.exit})`}`).join('; ')}${capped.length > 0 ? `; heap capped: ${capped.map((x) => `${x.command.replace(' (heap capped)', '')} ${ok(x) ? `${x.rssMiB} MiB` : `failed (exit ${x.exit})`}`).join(', ')}` : ''}${sizeNote}`,
      met: fullSize ? streamed.every(ok) && worst <= RSS_LIMIT_MIB : undefined,
      before: '1.7 GB RSS; `export -o json` failed at 3.2 GB (issue 12)',
    },
    {
      target: '`verify --all` over 10,000 sessions ≤ 60 s (parallel, incremental)',
      measured: `${ok(r.fleet.cold) ? `${r.fleet.cold.seconds.toFixed(1)} s with an empty cache` : `cold run failed (exit ${r.fleet.cold.exit})`}; ${ok(r.fleet.warm) ? `${r.fleet.warm.seconds.toFixed(1)} s incremental` : `incremental run failed (exit ${r.fleet.warm.exit})`}${fleetNote}`,
      met: fleetFull && ok(r.fleet.cold) && ok(r.fleet.warm) ? r.fleet.cold.seconds <= 60 && r.fleet.warm.seconds <= 60 : undefined,
      before: '304 s (issue 12)',
    },
  ];
  return { name: 'audit', title: "Auditor's tools: one large session, and verify --all over a fleet (issue 12)", markdown, targets };
}
