/**
 * The sidecar as a separate process for benchmarks/sidecar.ts (so its RSS is its own):
 *   node --import tsx benchmarks/sidecar-child.ts <config.json> <real|null>
 * `real` uses the production recorder from the config (required mode, fsync); `null` a recorder that
 * accepts every event at once, to measure the proxy's own cost. Prints one JSON line when ready.
 * SNOWTRAIL_BENCH_STAGES=<file>: the wall time of each recorder call the sidecar makes and of each
 * spool file operation is written there (JSON, ms per kind) at SIGTERM (benchmarks/profile-sidecar.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { validateSidecarConfig } from '@snowtrail/config';
import type { Recorder, SessionRecording } from '@snowtrail/recording';
import { createSidecarLogger, startSidecar } from '@snowtrail/sidecar';
import { timeRecorder, timeSpoolFs, type RecorderWaits } from './lib/timed-recorder.js';

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

const logger = createSidecarLogger('warn');
const stagesFile = process.env.SNOWTRAIL_BENCH_STAGES;
const waits: RecorderWaits = {};
const registry = new Registry();
/** The recorder the child runs with: the production one (built as the sidecar builds it) or the null one, timed when asked. */
async function recorderFor(): Promise<Recorder | undefined> {
  if (mode === 'null') return stagesFile ? timeRecorder(nullRecorder(), waits) : nullRecorder();
  if (!stagesFile) return undefined;
  const { createRecorder, nodeSpoolFs } = await import('@snowtrail/recording');
  const fs = timeSpoolFs(nodeSpoolFs, waits);
  return timeRecorder(await createRecorder({ config: config.recording, registry, logger, fs, formatVersion: config.recording.formatVersion ?? 2 }), waits);
}

// SNOWTRAIL_BENCH_BUDGET_BYTES: the in-flight request budget (benchmarks/sidecar-hostile.ts compares sizes).
const budget = process.env.SNOWTRAIL_BENCH_BUDGET_BYTES ? { requestBudgetBytes: Number(process.env.SNOWTRAIL_BENCH_BUDGET_BYTES) } : {};
const recorder = await recorderFor();
const handle = await startSidecar({ config, logger, ...budget, ...(recorder ? { recorder, registry } : {}) });
process.stdout.write(`${JSON.stringify({ url: handle.url, adminUrl: handle.adminUrl, startToReadyMs: performance.now() - started, sinceProcessStartMs: performance.now() })}\n`);
// SNOWTRAIL_BENCH_MEMORY=<file>: process.memoryUsage() sampled every 20 ms; the peak of each field is written there at SIGTERM.
const memoryFile = process.env.SNOWTRAIL_BENCH_MEMORY;
const memoryPeak: Record<string, number> = {};
const memoryAtStart = process.memoryUsage() as unknown as Record<string, number>;
if (memoryFile) {
  setInterval(() => {
    for (const [k, v] of Object.entries(process.memoryUsage())) memoryPeak[k] = Math.max(memoryPeak[k] ?? 0, v);
  }, 20).unref();
}
process.on('SIGTERM', () => {
  if (stagesFile) writeFileSync(stagesFile, JSON.stringify(waits));
  if (memoryFile) writeFileSync(memoryFile, JSON.stringify({ atStart: memoryAtStart, peak: memoryPeak, atEnd: process.memoryUsage() }));
  void handle.close().then(() => process.exit(0));
});
