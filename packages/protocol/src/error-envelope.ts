/**
 * The one builder of Snowflake-shaped error answers. Always HTTP 200: a non-200 loses the message
 * in every driver, and a 5xx is retried up to 1000 times by snowflake-sdk (docs/protocol.md §1.5, §12).
 */

/** A Snowflake JSON envelope. */
export interface SnowflakeEnvelope<T = unknown> {
  data: T;
  code: string | null;
  message: string | null;
  success: boolean;
  headers?: null;
}

/** The `data` of a failed statement or request, as Snowflake sends it (§4.5). */
export interface ErrorData {
  errorCode: string;
  sqlState: string;
  queryId?: string;
  internalError: boolean;
  age: number;
  line?: number;
  pos?: number;
  type?: string;
  [key: string]: unknown;
}

/** What the error builder needs. */
export interface ErrorSpec {
  code: string;
  message: string;
  sqlState?: string;
  queryId?: string;
  /** Extra `data` fields (e.g. login's nextAction/authnMethod). */
  data?: Record<string, unknown>;
}

/** An HTTP answer ready to send: always status 200 and application/json. */
export interface EnvelopeResponse {
  status: 200;
  headers: { 'content-type': 'application/json' };
  body: string;
}

/** Builds the envelope object of a Snowflake error. */
export function buildErrorEnvelope(spec: ErrorSpec): SnowflakeEnvelope<ErrorData> {
  const data: ErrorData = {
    internalError: false,
    age: 0,
    ...spec.data,
    errorCode: spec.code,
    sqlState: spec.sqlState ?? '',
  };
  if (spec.queryId !== undefined) data.queryId = spec.queryId;
  return { data, code: spec.code, message: spec.message, success: false, headers: null };
}

/** Builds the HTTP answer (status 200) of a Snowflake error. */
export function buildErrorResponse(spec: ErrorSpec): EnvelopeResponse {
  return jsonResponse(buildErrorEnvelope(spec));
}

/** Builds a success envelope around `data`. */
export function buildSuccessEnvelope<T>(data: T, code: string | null = null, message: string | null = null): SnowflakeEnvelope<T> {
  return { data, code, message, success: true };
}

/** Serialises an envelope as an HTTP 200 JSON answer. */
export function jsonResponse(envelope: SnowflakeEnvelope): EnvelopeResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) };
}
