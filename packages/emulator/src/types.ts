/** The public option and handle types of @snowtrail/emulator (contract in the cross-package API list). */
import type { JSONWebKeySet } from 'jose';
import type { Logger } from 'pino';
import type { EmulatorUser } from './session/auth.js';
import type { FaultController, FaultSettings } from './faults.js';
import type { ChunkingOptions } from './results/result-builder.js';

export type { EmulatorUser } from './session/auth.js';

/** Options of startEmulator. */
export interface EmulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: a free port). */
  port?: number;
  /** The account, e.g. 'SNOWTRAIL' (normalised per docs/protocol.md §10 for JWT claims). */
  account: string;
  /** Users and their credentials. */
  users: EmulatorUser[];
  /** SQL run once at start (sample data). */
  initSql?: string;
  /** Inline-row and chunk thresholds for large results. */
  chunking?: ChunkingOptions;
  /** Session token validity (default 3600 s). */
  sessionValiditySeconds?: number;
  /** Master token validity (default 14400 s). */
  masterValiditySeconds?: number;
  /** Answer 333333 when a statement runs longer than this; result GETs long-poll this long (default 20000 ms). */
  queryWaitMs?: number;
  /** How long finished results stay fetchable by id (default 30 minutes). */
  resultRetentionMs?: number;
  /** Fault switches active from the start. */
  faults?: FaultSettings;
  /** Logger (default: silent). Never receives SQL, binds, rows or credentials. */
  logger?: Logger;
  /**
   * JWKS of OIDC issuers by issuer URL, for workload-identity users whose issuer the emulator cannot
   * (or should not) reach; other issuers are found by OIDC discovery.
   */
  workloadIdentityJwks?: Record<string, JSONWebKeySet>;
  /** Clock (tests). */
  now?: () => number;
}

/** One login attempt as the emulator saw it. */
export interface LoginRecord {
  user: string;
  authenticator: string;
  success: boolean;
  code?: string;
  /** The `jti` of the token a WORKLOAD_IDENTITY login presented. */
  tokenId?: string;
  at: number;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL for the driver's accessUrl, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /** Every login attempt seen, in order. */
  logins: LoginRecord[];
  /** Runtime fault switches (also at POST /__emulator/faults). */
  faults: FaultController;
  /** Stops listening, cancels running statements, closes sessions and DuckDB. */
  close(): Promise<void>;
}
