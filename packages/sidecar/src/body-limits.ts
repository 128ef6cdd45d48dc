import type { EndpointName } from '@snowtrail/protocol';

/**
 * Request body caps by endpoint, checked against Content-Length before reading and again while the
 * body streams in (and after decompression). Only the query request carries large bodies (array
 * binds); its cap is `listen.maxRequestBytes`. The others carry a few hundred bytes from every driver
 * (login: the projected token and client environment, typically 2–4 KiB), so a small cap costs
 * nothing and keeps an unauthenticated client from making the sidecar buffer more than 64 KiB.
 */
export const BODY_CAPS: Partial<Record<EndpointName, number>> = {
  login: 64 * 1024,
  tokenRequest: 16 * 1024,
  heartbeat: 16 * 1024,
  abortByQueryId: 16 * 1024,
  abortByRequestId: 16 * 1024,
  session: 16 * 1024,
  queryResult: 16 * 1024,
  monitoring: 16 * 1024,
  // Batches of client-side telemetry (snowflake-sdk lib/telemetry) stay well under this.
  telemetry: 1024 * 1024,
};

/** The cap of an endpoint's body; the query request's comes from the config. */
export function bodyCap(endpoint: EndpointName, maxRequestBytes: number): number {
  if (endpoint === 'queryRequest') return maxRequestBytes;
  return BODY_CAPS[endpoint] ?? 0;
}

/** The default process-wide budget of request body bytes held at once (see ADR 0025). */
export const DEFAULT_REQUEST_BUDGET_BYTES = 32 * 1024 * 1024;
