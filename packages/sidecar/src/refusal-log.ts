/**
 * Refused logins in the recording, kept small: untrusted claims and client facts are truncated and
 * hashed, and refusals from one source with one reason are aggregated per window — the first is
 * recorded, the rest counted and recorded as one summary when the window ends. A client cannot fill
 * the store (under Object Lock it could not be emptied); the metrics still count every refusal.
 */
import { createHash } from 'node:crypto';
import type { AuthFailureInfo, SessionStartInfo } from '@snowtrail/recording';

/** Longest untrusted string kept in a refusal record. */
export const MAX_RECORDED_STRING = 256;
/** Claims larger than this (serialised) are recorded as a digest only. */
export const MAX_RECORDED_CLAIMS_BYTES = 2048;
/** The claims worth keeping for an auditor (who the token says it is). */
const KEPT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'kubernetes.io', 'verified'];

function truncate(value: string): string {
  return value.length > MAX_RECORDED_STRING ? `${value.slice(0, MAX_RECORDED_STRING)}…[${value.length} chars]` : value;
}

/** Copies a JSON value with every string truncated and nesting cut at `depth`. */
function boundValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncate(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth <= 0) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 8).map((v) => boundValue(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 16)) out[truncate(k)] = boundValue(v, depth - 1);
  return out;
}

/**
 * The claims of a refused token as recorded: the identifying claims, truncated, with the SHA-256 and
 * length of the whole claim set; only the digest when even that is too large.
 */
export function boundClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const whole = JSON.stringify(claims) ?? '';
  const digest = { sha256: createHash('sha256').update(whole).digest('hex'), bytes: Buffer.byteLength(whole) };
  const kept: Record<string, unknown> = {};
  for (const k of KEPT_CLAIMS) if (k in claims) kept[k] = boundValue(claims[k], 3);
  const bounded = { ...kept, ...digest };
  return Buffer.byteLength(JSON.stringify(bounded)) <= MAX_RECORDED_CLAIMS_BYTES ? bounded : { ...digest, truncated: true };
}

/** Client facts with every (header-supplied) string truncated. */
export function boundClient(client: SessionStartInfo['client']): SessionStartInfo['client'] {
  const out: SessionStartInfo['client'] = {};
  for (const [k, v] of Object.entries(client) as [keyof SessionStartInfo['client'], string | undefined][]) if (v !== undefined) out[k] = truncate(v);
  return out;
}

/** A refusal record bounded to a few KiB whatever the client sent. */
export function boundRefusal(info: AuthFailureInfo): AuthFailureInfo {
  return {
    reason: info.reason,
    message: info.message.length > 1024 ? `${info.message.slice(0, 1024)}…` : info.message,
    client: boundClient(info.client),
    ...(info.claims ? { claims: boundClaims(info.claims) } : {}),
  };
}

interface Window {
  start: number;
  address: string | undefined;
  reason: string;
  count: number;
}

/** Options of the aggregator. */
export interface RefusalLogOptions {
  record: (info: AuthFailureInfo) => Promise<void>;
  now: () => number;
  /** Length of an aggregation window (default 60 s). */
  windowMs?: number;
  /** Most windows tracked at once; past it, refusals share one overflow window (default 1,000). */
  maxWindows?: number;
}

/** Aggregates refusals per (source address, reason) and window. */
export class RefusalLog {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxWindows: number;
  constructor(private readonly options: RefusalLogOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxWindows = options.maxWindows ?? 1000;
  }

  /** Records a refusal in full when it opens a window for its source and reason; otherwise counts it. */
  async refuse(info: AuthFailureInfo): Promise<void> {
    const now = this.options.now();
    await this.flush(now);
    let key = `${info.client.address ?? ''}\u0000${info.reason}`;
    if (!this.windows.has(key) && this.windows.size >= this.maxWindows) key = '\u0000overflow';
    const open = this.windows.get(key);
    if (open) {
      open.count++;
      return;
    }
    this.windows.set(key, { start: now, address: key === '\u0000overflow' ? undefined : info.client.address, reason: key === '\u0000overflow' ? 'mixed' : info.reason, count: 0 });
    await this.options.record(boundRefusal(info));
  }

  /** Records a summary for every window that ended by `now` (all of them when `all`). */
  async flush(now: number, all = false): Promise<void> {
    for (const [key, w] of this.windows) {
      if (!all && now - w.start < this.windowMs) continue;
      this.windows.delete(key);
      if (w.count === 0) continue;
      await this.options.record({
        reason: w.reason,
        message: `snowtrail: ${w.count} further login refusals (${w.reason}) from this source in the window, recorded once`,
        client: w.address ? { address: w.address } : {},
        repeated: w.count,
        windowStart: new Date(w.start).toISOString(),
        windowEnd: new Date(Math.min(now, w.start + this.windowMs)).toISOString(),
      });
    }
  }
}
