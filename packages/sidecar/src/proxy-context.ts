import type { Logger } from 'pino';
import type { SidecarConfig } from '@snowtrail/config';
import type { ResultLimiter } from '@snowtrail/policy';
import type { Recorder, SessionRecording } from '@snowtrail/recording';
import type { ChunkRegistry } from './chunk-registry.js';
import type { IdentityResult } from './identity.js';
import type { InFlightBudget } from './in-flight-budget.js';
import type { RefusalLog } from './refusal-log.js';
import type { SidecarMetrics } from './metrics.js';
import type { SessionEntry, SessionTable } from './session-table.js';
import type { UpstreamClient } from './upstream-client.js';
import type { UpstreamCredential } from './upstream-credential.js';

/** What the request handlers share: current config, clients, tables, recorder, metrics, clock. */
export interface ProxyContext {
  /** The current (hot-reloadable) config. */
  config(): SidecarConfig;
  logger: Logger;
  metrics: SidecarMetrics;
  sessions: SessionTable;
  chunks: ChunkRegistry;
  recorder: Recorder;
  upstream: UpstreamClient;
  credential: UpstreamCredential;
  verifyIdentity(token: string): Promise<IdentityResult>;
  /** Query ids this sidecar has seen in answers: only those may be polled, fetched, monitored or aborted. */
  knownQueries: KnownQueries;
  /** The process-wide budget of request body bytes held at once. */
  budget: InFlightBudget;
  /** Refused logins, bounded and aggregated per source before they reach the recording. */
  refusals: RefusalLog;
  /** Sessions being ended (logout, expiry, shutdown): the recorder is closed only after them. */
  endings: Set<Promise<void>>;
  now(): number;
}

/** One statement as the sidecar follows it from query-request to its last result delivery. */
export interface StatementState {
  requestId: string;
  queryId?: string | undefined;
  /** True once `queryEnded` was recorded, so re-fetches (403 refresh) do not end it twice. */
  ended: boolean;
  /** True once the statement was counted in snowtrail_sidecar_statements_total. */
  counted?: boolean;
  /** For multi-statement children: the parent's statement. */
  parent?: StatementState | undefined;
  recording: SessionRecording | undefined;
  statementClass: string;
  /** The single USE statement's text, to track the session context. */
  useText?: string | undefined;
  /** The latest delivery of its result: a re-fetch replaces it (and its chunk capabilities). */
  delivery?: DeliveryState | undefined;
  /** Chunks already recorded in full, by index: a second serving is recorded by reference. */
  servedChunks?: Map<number, { sha256: string; bytes: number }>;
}

/** A bounded map of query ids seen in answers to their statement (oldest forgotten first). */
export class KnownQueries {
  private readonly map = new Map<string, { entry: SessionEntry; state: StatementState }>();
  constructor(private readonly max = 100_000) {}
  /** Remembers a query id. */
  add(queryId: string, entry: SessionEntry, state: StatementState): void {
    this.map.delete(queryId);
    this.map.set(queryId, { entry, state });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  /** The statement behind a query id, if this sidecar has seen it. */
  get(queryId: string): { entry: SessionEntry; state: StatementState } | undefined {
    return this.map.get(queryId.toLowerCase()) ?? this.map.get(queryId);
  }
  /** Forgets every query id of a session. */
  dropSession(entry: SessionEntry): void {
    for (const [k, v] of this.map) if (v.entry === entry) this.map.delete(k);
  }
}

/** Per-delivery state of a result: the limiter shared by the inline answer and its chunks. */
export interface DeliveryState {
  statement: StatementState;
  limiter: ResultLimiter;
  format: 'json' | 'arrow';
  entry: SessionEntry;
}
