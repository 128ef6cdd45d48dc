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

/**
 * How many bytes of memory handling a body costs per byte of body: the bytes read, their text, the
 * parsed value, the serialisation forwarded and its buffer live at once (5 copies), plus garbage the
 * collector has not reclaimed yet (benchmarks/sidecar-hostile.ts). The budget is charged in these
 * weighted bytes.
 */
export const BODY_MEMORY_FACTOR = 6;

/** The default process-wide budget, in weighted bytes (ADR 0025): sized for the injected 256 MiB limit. */
export const DEFAULT_REQUEST_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * The part of the budget only small requests (at most 256 KiB weighted: every login, renewal,
 * heartbeat and ordinary statement) may use, so large bodies in flight never starve them.
 */
export function smallRequestReserve(budget: number): number {
  return Math.floor(budget / 8);
}

/** Requests charging at most this (weighted) count as small. */
export const SMALL_REQUEST_BYTES = 256 * 1024;

/**
 * The cap of an endpoint's body. The query request's comes from the config, but never more than a
 * request alone can hold within the budget's share for large requests: a body the sidecar cannot
 * hold without passing its memory limit is refused rather than buffered.
 */
export function bodyCap(endpoint: EndpointName, maxRequestBytes: number, budget: number): number {
  if (endpoint === 'queryRequest') return Math.min(maxRequestBytes, Math.floor((budget - smallRequestReserve(budget)) / BODY_MEMORY_FACTOR));
  return BODY_CAPS[endpoint] ?? 0;
}
