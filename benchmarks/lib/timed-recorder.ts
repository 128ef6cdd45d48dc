/**
 * Benchmark-only: wraps a Recorder so the wall time the sidecar waits on each recorder call
 * (query event, answer, statement end) is measured, per call kind, in milliseconds. Used by
 * benchmarks/sidecar-child.ts when SNOWTRAIL_BENCH_STAGES names a file to write them to.
 */
import type { Recorder, SessionRecording, SpoolFileHandle, SpoolFs } from '@snowtrail/recording';

/** Waits measured per recorder call kind (ms). */
export type RecorderWaits = Record<string, number[]>;

function timed<A extends unknown[], R>(waits: RecorderWaits, name: string, call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const samples = (waits[name] ??= []);
  return async (...args: A) => {
    const s = performance.now();
    try {
      return await call(...args);
    } finally {
      samples.push(performance.now() - s);
    }
  };
}

/** A recorder whose session calls are timed into `waits`; behaviour unchanged. */
export function timeRecorder(inner: Recorder, waits: RecorderWaits): Recorder {
  return {
    mode: inner.mode,
    authFailure: (info) => inner.authFailure(info),
    close: (options) => inner.close(options),
    startSession: async (info) => {
      const s: SessionRecording = await inner.startSession(info);
      return {
        sessionId: s.sessionId,
        queryStarted: timed(waits, 'queryStarted', (i) => s.queryStarted(i)),
        queryDenied: timed(waits, 'queryDenied', (i) => s.queryDenied(i)),
        queryEnded: timed(waits, 'queryEnded', (i) => s.queryEnded(i)),
        result: timed(waits, 'result', (i, b, e) => s.result(i, b, e)),
        note: (k, d) => s.note(k, d),
        end: (r) => s.end(r),
        openResult: (i) => s.openResult(i),
      };
    },
  };
}

/** A spool file layer that times every operation (queue wait in libuv's pool included) into `waits`, as `fs.<op>`. */
export function timeSpoolFs(inner: SpoolFs, waits: RecorderWaits): SpoolFs {
  const t = <A extends unknown[], R>(op: string, call: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) => timed(waits, `fs.${op}`, call);
  const handle = (h: SpoolFileHandle, kind: string): SpoolFileHandle => ({
    writev: t(`${kind}.writev`, (b) => h.writev(b)),
    datasync: t(`${kind}.datasync`, () => h.datasync()),
    sync: t(`${kind}.sync`, () => h.sync()),
    truncate: (n) => h.truncate(n),
    close: t(`${kind}.close`, () => h.close()),
  });
  return {
    open: t('open', async (path: string, flags: 'a' | 'w' | 'r') => handle(await inner.open(path, flags), path.includes('/journal/') ? 'journal' : path.includes('/blobs') ? 'blob' : flags === 'r' ? 'dir' : 'file')),
    readFile: (p) => inner.readFile(p),
    rename: t('rename', (a: string, b: string) => inner.rename(a, b)),
    unlink: (p) => inner.unlink(p),
    mkdir: t('mkdir', (p: string) => inner.mkdir(p)),
    readdir: (p) => inner.readdir(p),
    readdirTyped: (p) => inner.readdirTyped(p),
    stat: (p) => inner.stat(p),
    truncate: (p, n) => inner.truncate(p, n),
    rmTree: (p) => inner.rmTree(p),
  };
}
