/**
 * Fault injection: switches that make the emulator misbehave the way Snowflake and cloud storage
 * sometimes do, set per run (options, CLI flags) or at runtime (`handle.faults`, or
 * `POST /__emulator/faults` with the same JSON).
 */
import { EMULATOR_ERROR_CODES, EmulatorError } from './errors.js';

/** Which requests a counted fault applies to. */
export type FaultTarget = 'login' | 'query' | 'result' | 'chunk' | 'any';

/** The fault switches (every field optional; counts are decremented as faults fire). */
export interface FaultSettings {
  /** Delay every answer (GS and chunks) by this many milliseconds. */
  delayMs?: number;
  /** Answer the next `count` matching requests with HTTP `status` (default 503). */
  serverError?: { count: number; status?: number; target?: FaultTarget };
  /** Destroy the socket of the next `count` matching requests without answering. */
  resetConnection?: { count: number; target?: FaultTarget };
  /** Serve the next `count` chunk downloads with a corrupted body. */
  corruptChunk?: { count: number };
  /** Withhold the next `count` chunk downloads (answer 404 NoSuchKey, as storage does for a missing object). */
  withholdChunk?: { count: number };
  /** Limit chunk download bandwidth to this many bytes per second. */
  throttleBytesPerSecond?: number;
}

/** How many times each fault fired. */
export interface FaultStats {
  delayed: number;
  serverErrors: number;
  resets: number;
  corruptedChunks: number;
  withheldChunks: number;
  throttledBytes: number;
  sessionsExpired: number;
}

/** The runtime switchboard behind `handle.faults` and `POST /__emulator/faults`. */
export interface FaultController {
  /** Replaces the current switches (an empty object turns everything off). */
  set(settings: FaultSettings): void;
  /** Merges switches into the current ones. */
  update(settings: FaultSettings): void;
  /** Turns every switch off. */
  clear(): void;
  /** The current switches (with remaining counts). */
  current(): FaultSettings;
  /** Counts of faults injected so far. */
  stats(): FaultStats;
  /** Expires every session token now: the next request of each session gets 390112 and renews. */
  expireSessions(): number;
}

/** Validates untrusted fault JSON (from HTTP or the CLI). */
export function parseFaultSettings(input: unknown): FaultSettings {
  const bad = (why: string): never => {
    throw new EmulatorError(EMULATOR_ERROR_CODES.invalidFaults, `invalid fault settings: ${why}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad('expected a JSON object');
  const o = input as Record<string, unknown>;
  const known = ['delayMs', 'serverError', 'resetConnection', 'corruptChunk', 'withholdChunk', 'throttleBytesPerSecond', 'expireSessions'];
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(`unknown switch "${k}" (known: ${known.join(', ')})`);
  const out: FaultSettings = {};
  const num = (k: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : bad(`${k} must be a non-negative number`));
  const target = (k: string, v: unknown): FaultTarget | undefined => {
    if (v === undefined) return undefined;
    return ['login', 'query', 'result', 'chunk', 'any'].includes(v as string) ? (v as FaultTarget) : bad(`${k}.target must be login|query|result|chunk|any`);
  };
  const counted = (k: string): { count: number } & Record<string, unknown> => {
    const v = o[k];
    if (typeof v !== 'object' || v === null) return bad(`${k} must be an object with a count`);
    const r = v as Record<string, unknown>;
    return { ...r, count: num(`${k}.count`, r.count) };
  };
  if (o.delayMs !== undefined) out.delayMs = num('delayMs', o.delayMs);
  if (o.throttleBytesPerSecond !== undefined) out.throttleBytesPerSecond = num('throttleBytesPerSecond', o.throttleBytesPerSecond);
  if (o.serverError !== undefined) {
    const c = counted('serverError');
    const status = c.status === undefined ? undefined : num('serverError.status', c.status);
    if (status !== undefined && (status < 500 || status > 599)) bad('serverError.status must be 5xx');
    out.serverError = { count: c.count, ...(status !== undefined ? { status } : {}), ...(target('serverError', c.target) ? { target: target('serverError', c.target)! } : {}) };
  }
  if (o.resetConnection !== undefined) {
    const c = counted('resetConnection');
    out.resetConnection = { count: c.count, ...(target('resetConnection', c.target) ? { target: target('resetConnection', c.target)! } : {}) };
  }
  if (o.corruptChunk !== undefined) out.corruptChunk = { count: counted('corruptChunk').count };
  if (o.withholdChunk !== undefined) out.withholdChunk = { count: counted('withholdChunk').count };
  return out;
}

/** The decisions a request handler asks the fault state for. */
export interface FaultState extends FaultController {
  /** Consumes one server-error fault for the target, returning its status. */
  takeServerError(target: FaultTarget): number | undefined;
  /** Consumes one reset fault for the target. */
  takeReset(target: FaultTarget): boolean;
  /** Consumes one corrupt-chunk fault. */
  takeCorruptChunk(): boolean;
  /** Consumes one withheld-chunk fault. */
  takeWithheldChunk(): boolean;
  /** The delay to apply to an answer (counted when non-zero). */
  delay(): number;
  /** The chunk bandwidth limit, if any. */
  throttle(): number | undefined;
  /** Counts bytes sent under throttling. */
  countThrottled(bytes: number): void;
}

/** Creates the fault state; `expire` is the session table's expire-all. */
export function createFaultState(initial: FaultSettings | undefined, expire: () => number): FaultState {
  let settings: FaultSettings = { ...(initial ?? {}) };
  const stats: FaultStats = { delayed: 0, serverErrors: 0, resets: 0, corruptedChunks: 0, withheldChunks: 0, throttledBytes: 0, sessionsExpired: 0 };
  const matches = (t: FaultTarget | undefined, target: FaultTarget): boolean => t === undefined || t === 'any' || t === target;
  return {
    set(s) {
      settings = { ...parseFaultSettings(s) };
    },
    update(s) {
      settings = { ...settings, ...parseFaultSettings(s) };
    },
    clear() {
      settings = {};
    },
    current() {
      return structuredClone(settings);
    },
    stats() {
      return { ...stats };
    },
    expireSessions() {
      const n = expire();
      stats.sessionsExpired += n;
      return n;
    },
    takeServerError(target) {
      const f = settings.serverError;
      if (!f || f.count <= 0 || !matches(f.target, target)) return undefined;
      f.count--;
      stats.serverErrors++;
      return f.status ?? 503;
    },
    takeReset(target) {
      const f = settings.resetConnection;
      if (!f || f.count <= 0 || !matches(f.target, target)) return false;
      f.count--;
      stats.resets++;
      return true;
    },
    takeCorruptChunk() {
      const f = settings.corruptChunk;
      if (!f || f.count <= 0) return false;
      f.count--;
      stats.corruptedChunks++;
      return true;
    },
    takeWithheldChunk() {
      const f = settings.withholdChunk;
      if (!f || f.count <= 0) return false;
      f.count--;
      stats.withheldChunks++;
      return true;
    },
    delay() {
      const d = settings.delayMs ?? 0;
      if (d > 0) stats.delayed++;
      return d;
    },
    throttle() {
      return settings.throttleBytesPerSecond && settings.throttleBytesPerSecond > 0 ? settings.throttleBytesPerSecond : undefined;
    },
    countThrottled(bytes) {
      stats.throttledBytes += bytes;
    },
  };
}
