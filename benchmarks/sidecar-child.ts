/**
 * The sidecar as a separate process for benchmarks/sidecar.ts (so its RSS is its own):
 *   node --import tsx benchmarks/sidecar-child.ts <config.json> <real|null>
 * `real` uses the production recorder from the config (required mode, fsync); `null` a recorder that
 * accepts every event at once, to measure the proxy's own cost. Prints one JSON line when ready.
 */
import { readFileSync } from 'node:fs';
import { validateSidecarConfig } from '@snowtrail/config';
import type { Recorder, SessionRecording } from '@snowtrail/recording';
import { createSidecarLogger, startSidecar } from '@snowtrail/sidecar';

const started = performance.now();
const [configPath, mode] = process.argv.slice(2);
const config = validateSidecarConfig(JSON.parse(readFileSync(configPath!, 'utf8')));

/** Benchmark-only: a recorder that drops everything (measures the proxy without the recording). */
function nullRecorder(): Recorder {
  const ok = async (): Promise<void> => undefined;
  const session: SessionRecording = {
    sessionId: 'null',
    queryStarted: ok, queryEnded: ok, queryDenied: ok, result: ok, note: ok, end: ok,
    openResult: () => ({ write: ok, end: async () => ({ sha256: '', bytes: 0 }), abort: ok }),
  };
  return { mode: 'best-effort', startSession: async () => session, authFailure: ok, close: ok };
}

// SNOWTRAIL_BENCH_BUDGET_BYTES: the in-flight request budget (benchmarks/sidecar-hostile.ts compares sizes).
const budget = process.env.SNOWTRAIL_BENCH_BUDGET_BYTES ? { requestBudgetBytes: Number(process.env.SNOWTRAIL_BENCH_BUDGET_BYTES) } : {};
const handle = await startSidecar({ config, logger: createSidecarLogger('warn'), ...budget, ...(mode === 'null' ? { recorder: nullRecorder() } : {}) });
process.stdout.write(`${JSON.stringify({ url: handle.url, adminUrl: handle.adminUrl, startToReadyMs: performance.now() - started, sinceProcessStartMs: performance.now() })}\n`);
process.on('SIGTERM', () => {
  void handle.close().then(() => process.exit(0));
});
