import type { SessionRecording, CallerIdentity } from '@snowtrail/recording';
import { newHandle } from './handles.js';

/** One client login: the real upstream tokens behind the handles the client holds. */
export interface SessionEntry {
  readonly id: string;
  sessionHandle: string;
  masterHandle: string | undefined;
  realSessionToken: string;
  realMasterToken: string | undefined;
  /** When the entry is dropped: the master token's validity plus a grace period. */
  expiresAt: number;
  identity: CallerIdentity;
  recording: SessionRecording | undefined;
  /** The session's current database and schema, for classifying unqualified names. */
  context: { database?: string | undefined; schema?: string | undefined };
  /** Statements in flight by requestId and by queryId (for polls, multi-statement children, async). */
  readonly queries: Map<string, unknown>;
}

/** Grace past the master token's validity, as Teleport keeps its web sessions (+10 min), so late renewals still work. */
export const SESSION_GRACE_MS = 10 * 60_000;
/** Master token validity assumed when the answer does not say (Snowflake's default is 4 h). */
export const DEFAULT_MASTER_VALIDITY_SECONDS = 4 * 3600;

/** The table of live sessions, indexed by both handles. */
export class SessionTable {
  private readonly bySession = new Map<string, SessionEntry>();
  private readonly byMaster = new Map<string, SessionEntry>();
  private counter = 0;

  /** Number of live sessions. */
  get size(): number {
    return new Set(this.bySession.values()).size;
  }

  /** Creates an entry for a successful login and returns it with fresh handles. */
  create(init: {
    realSessionToken: string;
    realMasterToken: string | undefined;
    masterValiditySeconds: number | undefined;
    identity: CallerIdentity;
    context: SessionEntry['context'];
    now: number;
  }): SessionEntry {
    const entry: SessionEntry = {
      id: `s${++this.counter}`,
      sessionHandle: newHandle('session'),
      masterHandle: init.realMasterToken === undefined ? undefined : newHandle('master'),
      realSessionToken: init.realSessionToken,
      realMasterToken: init.realMasterToken,
      expiresAt: init.now + (init.masterValiditySeconds ?? DEFAULT_MASTER_VALIDITY_SECONDS) * 1000 + SESSION_GRACE_MS,
      identity: init.identity,
      recording: undefined,
      context: { ...init.context },
      queries: new Map(),
    };
    this.bySession.set(entry.sessionHandle, entry);
    if (entry.masterHandle) this.byMaster.set(entry.masterHandle, entry);
    return entry;
  }

  /** The entry for a session handle, if live. */
  bySessionHandle(handle: string | undefined, now: number): SessionEntry | undefined {
    if (handle === undefined) return undefined;
    const e = this.bySession.get(handle);
    return e && e.expiresAt > now ? e : undefined;
  }

  /** The entry for a master handle, if live. */
  byMasterHandle(handle: string | undefined, now: number): SessionEntry | undefined {
    if (handle === undefined) return undefined;
    const e = this.byMaster.get(handle);
    return e && e.expiresAt > now ? e : undefined;
  }

  /**
   * Applies a renewal: a new session handle for the new real token (the old handle stops working),
   * and a new master handle only when Snowflake issued a different master token.
   */
  renew(entry: SessionEntry, next: { realSessionToken: string; realMasterToken?: string | undefined; masterValiditySeconds?: number | undefined; now: number }): void {
    this.bySession.delete(entry.sessionHandle);
    entry.sessionHandle = newHandle('session');
    entry.realSessionToken = next.realSessionToken;
    this.bySession.set(entry.sessionHandle, entry);
    if (next.realMasterToken !== undefined && next.realMasterToken !== entry.realMasterToken) {
      if (entry.masterHandle) this.byMaster.delete(entry.masterHandle);
      entry.masterHandle = newHandle('master');
      entry.realMasterToken = next.realMasterToken;
      this.byMaster.set(entry.masterHandle, entry);
    }
    if (next.masterValiditySeconds !== undefined) entry.expiresAt = next.now + next.masterValiditySeconds * 1000 + SESSION_GRACE_MS;
  }

  /** Removes an entry (logout, expiry, shutdown). */
  remove(entry: SessionEntry): void {
    this.bySession.delete(entry.sessionHandle);
    if (entry.masterHandle) this.byMaster.delete(entry.masterHandle);
  }

  /** Removes and returns the entries expired at `now`. */
  sweep(now: number): SessionEntry[] {
    const expired = [...new Set(this.bySession.values())].filter((e) => e.expiresAt <= now);
    for (const e of expired) this.remove(e);
    return expired;
  }

  /** Every live entry. */
  all(): SessionEntry[] {
    return [...new Set(this.bySession.values())];
  }
}
