/**
 * Request and response bodies of the Snowflake REST protocol, as snowflake-sdk 3.3.0, the Python
 * connector and gosnowflake send and expect them (docs/protocol.md §3–§8). Unknown fields must be kept
 * when a proxy rewrites a body, so every type is open (`[key: string]: unknown`).
 */

/** Authenticators the drivers name in `data.AUTHENTICATOR`. */
export type Authenticator =
  | 'SNOWFLAKE'
  | 'SNOWFLAKE_JWT'
  | 'OAUTH'
  | 'PROGRAMMATIC_ACCESS_TOKEN'
  | 'USERNAME_PASSWORD_MFA'
  | 'EXTERNALBROWSER'
  | 'ID_TOKEN'
  | 'WORKLOAD_IDENTITY'
  | (string & {});

/** `POST /session/v1/login-request` body `data` (§3.2). */
export interface LoginRequestData {
  ACCOUNT_NAME?: string;
  LOGIN_NAME?: string;
  AUTHENTICATOR?: Authenticator;
  PASSWORD?: string;
  TOKEN?: string;
  CLIENT_APP_ID?: string;
  CLIENT_APP_VERSION?: string | number;
  CLIENT_ENVIRONMENT?: Record<string, unknown>;
  SESSION_PARAMETERS?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `POST /session/v1/login-request` body. */
export interface LoginRequest {
  data: LoginRequestData;
  inFlightCtx?: unknown;
  [key: string]: unknown;
}

/** The URL query parameters of a login (§3.1). */
export interface LoginUrlParams {
  requestId?: string;
  warehouse?: string;
  databaseName?: string;
  schemaName?: string;
  roleName?: string;
}

/** A `{name, value}` parameter entry in answers. */
export interface ParameterEntry {
  name: string;
  value: unknown;
}

/** Successful login `data` (§3.3). */
export interface LoginResponseData {
  token?: string;
  validityInSeconds?: number;
  masterToken?: string;
  masterValidityInSeconds?: number;
  sessionId?: number | string;
  parameters?: ParameterEntry[];
  sessionInfo?: { databaseName?: string | null; schemaName?: string | null; warehouseName?: string | null; roleName?: string | null };
  displayUserName?: string;
  serverVersion?: string;
  [key: string]: unknown;
}

/** `POST /session/token-request` body (§8.2). */
export interface TokenRequest {
  requestType: 'RENEW' | 'ISSUE' | (string & {});
  oldSessionToken?: string;
  [key: string]: unknown;
}

/** Renewal answer `data` (§8.2): note the field names differ from login. */
export interface TokenResponseData {
  sessionToken?: string;
  validityInSecondsST?: number;
  masterToken?: string;
  validityInSecondsMT?: number;
  sessionId?: number | string;
  [key: string]: unknown;
}

/** One bind value (§4.2): scalar as a string, array bind as an array of strings. */
export interface BindValue {
  type: string;
  value: string | null | (string | null)[];
  fmt?: string;
  schema?: unknown;
}

/** `POST /queries/v1/query-request` body (§4.1). */
export interface QueryRequest {
  sqlText: string;
  bindings?: Record<string, BindValue>;
  bindStage?: string;
  parameters?: Record<string, unknown>;
  asyncExec?: boolean;
  describeOnly?: boolean;
  isInternal?: boolean;
  sequenceId?: number;
  querySubmissionTime?: number;
  disableOfflineChunks?: boolean;
  queryContextDTO?: unknown;
  [key: string]: unknown;
}

/** A column description in `rowtype` (§4.4). */
export interface RowType {
  name: string;
  type: string;
  nullable?: boolean;
  precision?: number | null;
  scale?: number | null;
  length?: number | null;
  byteLength?: number | null;
  collation?: string | null;
  database?: string;
  schema?: string;
  table?: string;
  fields?: RowType[];
  [key: string]: unknown;
}

/** One chunk descriptor (§6.1). */
export interface ChunkInfo {
  url: string;
  rowCount: number;
  uncompressedSize?: number;
  compressedSize?: number;
  [key: string]: unknown;
}

/** A query answer's `data` (§4.3, §5, §7). */
export interface QueryResponseData {
  parameters?: ParameterEntry[];
  rowtype?: RowType[];
  rowset?: (string | null)[][];
  rowsetBase64?: string;
  total?: number;
  returned?: number;
  queryId?: string;
  getResultUrl?: string;
  statementTypeId?: number;
  queryResultFormat?: 'json' | 'arrow' | (string & {});
  chunks?: ChunkInfo[];
  qrmk?: string;
  chunkHeaders?: Record<string, string>;
  resultIds?: string;
  resultTypes?: string;
  finalDatabaseName?: string | null;
  finalSchemaName?: string | null;
  finalWarehouseName?: string | null;
  finalRoleName?: string | null;
  [key: string]: unknown;
}

/** `GET /monitoring/queries/<id>` answer `data` (§5.2). */
export interface MonitoringResponseData {
  queries: { id: string; status: QueryStatus; errorMessage?: string | null; errorCode?: string | null; [key: string]: unknown }[];
}

/** Query statuses from snowflake-sdk lib/constants/query_status.js. */
export type QueryStatus =
  | 'RUNNING'
  | 'ABORTING'
  | 'SUCCESS'
  | 'FAILED_WITH_ERROR'
  | 'ABORTED'
  | 'QUEUED'
  | 'FAILED_WITH_INCIDENT'
  | 'DISCONNECTED'
  | 'RESUMING_WAREHOUSE'
  | 'QUEUED_REPARING_WAREHOUSE'
  | 'RESTARTED'
  | 'BLOCKED'
  | 'NO_DATA';

/** `POST /queries/v1/abort-request` body (§8.1). */
export interface AbortByRequestIdRequest {
  requestId: string;
}

/** statementTypeId values (snowflake-sdk lib/connection/statement_type.js). */
export const STATEMENT_TYPE_IDS = {
  select: 0x1000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  multiTableInsert: 0x3500,
  ddl: 0x6000,
  multiStatement: 0xa000,
} as const;
