/** Renders benchmarks/recording.ts's JSON results as a section of docs/benchmarks.md. Pure. */
import type { BenchSection, TargetRow } from './lib/report.js';

const LABELS: Record<string, string> = {
  events_per_second_inflight_1: 'events/s, `required`, 1 statement in flight',
  events_per_second_inflight_16: 'events/s, `required`, 16 in flight over 16 sessions',
  events_per_second_inflight_64: 'events/s, `required`, 64 in flight over 32 sessions',
  events_per_second_inflight_256: 'events/s, `required`, 256 in flight over 32 sessions',
  'added_latency_ms_required': 'added latency per event, `required` (ms)',
  'added_latency_ms_best-effort': 'added latency per event, `best-effort` (ms)',
  fdatasync_p50_ms: 'fdatasync of a small append on the spool disk, p50 (ms): the unit of the latency targets',
  statement_ms_required_read: 'small effect-free read, `required`: query event then a small answer (ms)',
  statement_ms_required_write: 'small write, `required`: query event then a small answer (ms)',
  statement_ms_required_read_carried: 'small effect-free read, `required`, `journalPayloadMaxBytes: 16384` (answer carried in the journal) (ms)',
  statement_ms_required_write_carried: 'small write, `required`, `journalPayloadMaxBytes: 16384` (ms)',
  payload_mib_per_second_to_s3: 'payload to S3 (s3rver), 8 sessions streaming chunk bytes (32 MiB each; 2 MiB in quick mode), MiB/s',
  payload_mib_per_second_to_radosgw: 'payload to S3 (radosgw, loopback), same load, MiB/s',
  lag_ms_flush_5s: 'lag statement → signed digest in S3, `flush.intervalSeconds: 5` (ms)',
  lag_ms_flush_1s: 'lag statement → signed digest in S3, `flush.intervalSeconds: 1` (ms)',
};

function show(v: unknown): string {
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${String(x)}`).join(', ');
  return String(v);
}

/** The small-read target (≤ 0.3 ms + one fdatasync at p50), judged on the recorder alone (pure). */
function readTarget(results: Record<string, unknown>): TargetRow {
  const p50 = (key: string): number | undefined => (results[key] as Record<string, number> | undefined)?.['in all p50'];
  const fsync = Number(results.fdatasync_p50_ms);
  const plain = p50('statement_ms_required_read');
  const carried = p50('statement_ms_required_read_carried');
  if (plain === undefined || !Number.isFinite(fsync)) return { target: READ_TARGET, measured: 'not measured by this run', met: undefined, before: READ_BEFORE };
  const limit = 0.3 + fsync;
  const withCarried = carried !== undefined ? `; ${carried} ms with \`journalPayloadMaxBytes\` on (${carried <= limit ? 'within' : 'over'} the limit)` : '';
  return { target: READ_TARGET, measured: `${plain} ms for query + answer with the defaults (limit ${limit.toFixed(3)} ms: 0.3 + fdatasync p50 ${fsync})${withCarried}`, met: plain <= limit, before: READ_BEFORE };
}

const READ_TARGET = 'recorder alone: a small read in `required` mode costs ≤ 0.3 ms + one fdatasync at p50 (query event + answer)';
const READ_BEFORE = 'two fdatasyncs (v1) and four syncs (v2) per small statement before ADR 0085';

/** The radosgw payload target (pure). */
function payloadTarget(results: Record<string, unknown>): TargetRow {
  const rgw = results.payload_mib_per_second_to_radosgw;
  const s3rver = Number(results.payload_mib_per_second_to_s3);
  const before = '20.2 MiB/s on s3rver (2026-11-26); 12 MiB/s for 1 GB (issue 12)';
  if (typeof rgw !== 'number') return { target: 'recording payload to S3 ≥ 100 MiB/s on loopback radosgw', measured: `${Number.isFinite(s3rver) ? s3rver : 'n/a'} MiB/s on s3rver; radosgw: ${String(rgw ?? 'not measured')}`, met: undefined, before };
  return { target: 'recording payload to S3 ≥ 100 MiB/s on loopback radosgw', measured: `${rgw} MiB/s on radosgw (${Number.isFinite(s3rver) ? s3rver : 'n/a'} MiB/s on s3rver)`, met: rgw >= 100, before };
}

/** The recording section: every figure the child printed, and its targets. */
export function renderRecording(results: Record<string, unknown>, quick: boolean): BenchSection {
  const rows = Object.entries(results).map(([k, v]) => `| ${LABELS[k] ?? k} | ${show(v)} |`);
  const markdown = [
    'The real recorder (`createRecorder`, format v2) with its spool on the local disk and s3rver (its own process) as the store',
    '(radosgw for the second payload figure, where installed),',
    `driven directly (no proxy): \`benchmarks/recording.ts\`${quick ? ' in its quick mode (shorter phases)' : ''}.`,
    '',
    '| measure | result |',
    '| --- | --- |',
    ...rows,
  ].join('\n');
  return {
    name: 'recording',
    title: 'Recording writer',
    markdown,
    targets: [readTarget(results), payloadTarget(results)],
  };
}
