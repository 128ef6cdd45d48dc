/**
 * A fault-injecting SpoolFs for tests: fails chosen operations with ENOSPC or EIO, or slows them,
 * by operation kind and path pattern, for the next N matching operations or during a time window.
 * It wraps a real file system (the bytes really land on disk), so what the recorder sees is what a
 * full or failing disk would make it see. Never used unless a test builds it or the sidecar is
 * started with FAULT_FILE_ENV (see controlledFaultFs).
 */
import { readFileSync } from 'node:fs';
import type { SpoolFileHandle, SpoolFs, SpoolFsOp } from './spool-fs.js';

/** One fault: which operations it hits and what it does to them. */
export interface FaultRule {
  /** Operation kinds hit (absent: every kind). */
  op?: SpoolFsOp | SpoolFsOp[];
  /** Regular expression (source) tested against the path (either path of a rename); absent: any path. */
  path?: string;
  /** Error the operation fails with (after delayMs); absent: the operation only gets slower. */
  error?: 'ENOSPC' | 'EIO';
  /** Milliseconds added before the operation runs (or fails). */
  delayMs?: number;
  /** Hits at most this many operations, then is spent. */
  count?: number;
  /** Active from / until these epoch milliseconds (absent: always). */
  fromMs?: number;
  untilMs?: number;
}

/**
 * A small disk: writes under paths matching `path` fail with ENOSPC once the bytes this layer saw
 * written there (minus what it saw truncated, deleted or moved away) would pass `bytes`.
 */
export interface FaultQuota {
  path: string;
  bytes: number;
}

/** A SpoolFs whose faults can be changed while it runs. */
export interface FaultFs extends SpoolFs {
  /** Replaces the rules (their hit counters start again). */
  setRules(rules: FaultRule[]): void;
  /** Sets or lifts (undefined) the simulated disk size. */
  setQuota(quota: FaultQuota | undefined): void;
  /** Bytes counted against the quota. */
  readonly quotaUsed: number;
  /** Operations failed so far by a rule. */
  readonly injected: number;
}

interface ActiveRule {
  rule: FaultRule;
  ops: Set<SpoolFsOp> | undefined;
  path: RegExp | undefined;
  hits: number;
}

const ERRNO = { ENOSPC: -28, EIO: -5 } as const;

function injectedError(code: 'ENOSPC' | 'EIO', op: SpoolFsOp, path: string): NodeJS.ErrnoException {
  const text = code === 'ENOSPC' ? 'no space left on device' : 'i/o error';
  return Object.assign(new Error(`${code}: ${text} (injected), ${op} '${path}'`), { code, errno: ERRNO[code], syscall: op, path });
}

function compile(rules: FaultRule[]): ActiveRule[] {
  return rules.map((rule) => ({
    rule,
    ops: rule.op === undefined ? undefined : new Set(Array.isArray(rule.op) ? rule.op : [rule.op]),
    path: rule.path === undefined ? undefined : new RegExp(rule.path),
    hits: 0,
  }));
}

/** Wraps `inner` with rules that fail or slow matching operations. */
export function createFaultFs(inner: SpoolFs, initial: FaultRule[] = [], now: () => number = Date.now): FaultFs {
  let active = compile(initial);
  let injected = 0;
  let quota: { path: RegExp; bytes: number } | undefined;
  // Sizes of files under any quota path, as seen through this layer.
  const sizes = new Map<string, number>();
  let used = 0;
  const setSize = (path: string, size: number | undefined): void => {
    used += (size ?? 0) - (sizes.get(path) ?? 0);
    if (size === undefined) sizes.delete(path);
    else sizes.set(path, size);
  };
  const checkQuota = (path: string, more: number): void => {
    if (quota && quota.path.test(path) && used + more > quota.bytes) {
      injected++;
      throw injectedError('ENOSPC', 'write', path);
    }
  };
  const matching = (op: SpoolFsOp, paths: string[]): ActiveRule[] => {
    const t = now();
    return active.filter(
      (a) =>
        (a.ops === undefined || a.ops.has(op)) &&
        (a.path === undefined || paths.some((p) => a.path!.test(p))) &&
        (a.rule.count === undefined || a.hits < a.rule.count) &&
        (a.rule.fromMs === undefined || t >= a.rule.fromMs) &&
        (a.rule.untilMs === undefined || t < a.rule.untilMs),
    );
  };
  const guard = async (op: SpoolFsOp, paths: string[]): Promise<void> => {
    for (const a of matching(op, paths)) {
      a.hits++;
      if (a.rule.delayMs) await new Promise((r) => setTimeout(r, a.rule.delayMs));
      if (a.rule.error) {
        injected++;
        throw injectedError(a.rule.error, op, paths[0]!);
      }
    }
  };
  const run = async <T>(op: SpoolFsOp, paths: string[], fn: () => Promise<T>): Promise<T> => {
    await guard(op, paths);
    return fn();
  };
  const wrap = (path: string, h: SpoolFileHandle): SpoolFileHandle => ({
    writev: (buffers) =>
      run('write', [path], async () => {
        checkQuota(path, buffers.reduce((a, b) => a + b.length, 0));
        const r = await h.writev(buffers);
        if (quota?.path.test(path)) setSize(path, (sizes.get(path) ?? 0) + r.bytesWritten);
        return r;
      }),
    datasync: () => run('fsync', [path], () => h.datasync()),
    sync: () => run('fsync', [path], () => h.sync()),
    truncate: (length) =>
      run('truncate', [path], async () => {
        await h.truncate(length);
        if (sizes.has(path)) setSize(path, Math.min(length, sizes.get(path)!));
      }),
    close: () => run('close', [path], () => h.close()),
  });
  return {
    setRules(rules) {
      active = compile(rules);
    },
    setQuota(q) {
      quota = q ? { path: new RegExp(q.path), bytes: q.bytes } : undefined;
    },
    get quotaUsed() {
      return used;
    },
    get injected() {
      return injected;
    },
    open: async (path, flags) => {
      const h = await run('open', [path], () => inner.open(path, flags));
      if (flags === 'w' && sizes.has(path)) setSize(path, 0);
      return wrap(path, h);
    },
    readFile: (path) => run('read', [path], () => inner.readFile(path)),
    rename: (from, to) =>
      run('rename', [from, to], async () => {
        await inner.rename(from, to);
        const size = sizes.get(from);
        setSize(from, undefined);
        if (size !== undefined) setSize(to, size);
        else if (sizes.has(to)) setSize(to, undefined);
      }),
    unlink: (path) =>
      run('unlink', [path], async () => {
        await inner.unlink(path);
        setSize(path, undefined);
      }),
    mkdir: (path) => run('mkdir', [path], () => inner.mkdir(path)),
    readdir: (path) => run('readdir', [path], () => inner.readdir(path)),
    readdirTyped: (path) => run('readdir', [path], () => inner.readdirTyped(path)),
    stat: (path) => run('stat', [path], () => inner.stat(path)),
    truncate: (path, length) =>
      run('truncate', [path], async () => {
        await inner.truncate(path, length);
        if (sizes.has(path)) setSize(path, Math.min(length, sizes.get(path)!));
      }),
    rmTree: (path) =>
      run('rm', [path], async () => {
        await inner.rmTree(path);
        for (const p of [...sizes.keys()]) if (p.startsWith(`${path}/`)) setSize(p, undefined);
      }),
  };
}

/**
 * Environment variable naming a fault-control file: only integration tests and benchmarks set it.
 * The file must be a JSON object with `"unsafeTestOnly": true` and `rules` (FaultRule[]); it is
 * re-read every 100 ms, so a test changes faults while the sidecar runs.
 */
export const FAULT_FILE_ENV = 'SNOWTRAIL_UNSAFE_TEST_FS_FAULTS';

/** What a fault-control file holds. */
export interface FaultControl {
  unsafeTestOnly: true;
  rules: FaultRule[];
  quota?: FaultQuota;
}

/** Parses a fault-control file's text; throws unless it opts in with `unsafeTestOnly: true`. */
export function parseFaultControl(text: string): FaultControl {
  const parsed = JSON.parse(text) as { unsafeTestOnly?: unknown; rules?: unknown; quota?: FaultQuota };
  if (parsed.unsafeTestOnly !== true) throw new Error(`${FAULT_FILE_ENV}: the control file must contain "unsafeTestOnly": true`);
  if (!Array.isArray(parsed.rules)) throw new Error(`${FAULT_FILE_ENV}: the control file must contain a "rules" array`);
  return { unsafeTestOnly: true, rules: parsed.rules as FaultRule[], ...(parsed.quota ? { quota: parsed.quota } : {}) };
}

/** A FaultFs driven by a control file, polled every 100 ms; `stop` ends the polling. */
export function controlledFaultFs(inner: SpoolFs, controlFile: string): { fs: FaultFs; stop(): void } {
  let last = readFileSync(controlFile, 'utf8');
  const first = parseFaultControl(last);
  const fs = createFaultFs(inner, first.rules);
  fs.setQuota(first.quota);
  const timer = setInterval(() => {
    let text: string;
    try {
      text = readFileSync(controlFile, 'utf8');
    } catch {
      return;
    }
    if (text === last) return;
    try {
      const control = parseFaultControl(text);
      fs.setRules(control.rules);
      fs.setQuota(control.quota);
      last = text;
    } catch {
      // A half-written control file: keep the current rules and read it again on the next tick.
    }
  }, 100);
  timer.unref();
  return { fs, stop: () => clearInterval(timer) };
}
