/** Renders benchmarks/recording.ts's JSON results as a section of docs/benchmarks.md. Pure. */
import type { BenchSection } from './lib/report.js';

const LABELS: Record<string, string> = {
  events_per_second_inflight_1: 'events/s, `required`, 1 statement in flight',
  events_per_second_inflight_16: 'events/s, `required`, 16 in flight over 16 sessions',
  events_per_second_inflight_64: 'events/s, `required`, 64 in flight over 32 sessions',
  events_per_second_inflight_256: 'events/s, `required`, 256 in flight over 32 sessions',
  'added_latency_ms_required': 'added latency per event, `required` (ms)',
  'added_latency_ms_best-effort': 'added latency per event, `best-effort` (ms)',
  payload_mib_per_second_to_s3: 'payload to S3 (s3rver), 8 sessions streaming chunk bytes (32 MiB each; 2 MiB in quick mode), MiB/s',
  lag_ms_flush_5s: 'lag statement → signed digest in S3, `flush.intervalSeconds: 5` (ms)',
  lag_ms_flush_1s: 'lag statement → signed digest in S3, `flush.intervalSeconds: 1` (ms)',
};

function show(v: unknown): string {
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${String(x)}`).join(', ');
  return String(v);
}

/** The recording section: every figure the child printed, and the S3 payload target. */
export function renderRecording(results: Record<string, unknown>, quick: boolean): BenchSection {
  const rows = Object.entries(results).map(([k, v]) => `| ${LABELS[k] ?? k} | ${show(v)} |`);
  const payload = Number(results.payload_mib_per_second_to_s3);
  const markdown = [
    'The real recorder (`createRecorder`) with its spool on the local disk and s3rver (its own process) as the store,',
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
    targets: [
      {
        target: 'recording payload to S3 ≥ 100 MiB/s on loopback radosgw',
        measured: `${Number.isFinite(payload) ? payload : 'n/a'} MiB/s on s3rver (radosgw not measured by this run)`,
        met: undefined,
        before: '20.2 MiB/s on s3rver (2026-11-26); 12 MiB/s for 1 GB (issue 12)',
      },
    ],
  };
}
