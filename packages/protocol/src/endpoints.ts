/**
 * Every Snowflake REST path the drivers use, with the driver source it comes from. The one place
 * wire paths are spelled (Teleport keeps the same list in lib/srv/db/snowflake/constants.go).
 *
 * Sources (snowflake-sdk 3.3.0 unless noted):
 *  - login:        lib/services/sf.js (StateConnecting) → https://github.com/snowflakedb/snowflake-connector-nodejs/blob/master/lib/services/sf.js
 *  - query:        lib/connection/statement.js sendRequestPreExec → .../lib/connection/statement.js
 *  - result poll:  statement.js (getResultUrl) and connection.js getResultsFromQueryId
 *  - monitoring:   lib/connection/connection.js getQueryStatus
 *  - abort:        statement.js cancel (by queryId / by requestId)
 *  - token:        sf.js StateRenewing
 *  - heartbeat:    connection.js heartbeat
 *  - session:      sf.js StateDisconnecting (destroy)
 *  - telemetry:    lib/telemetry/telemetry.js
 *  - gosnowflake restful.go lists the same paths: https://github.com/snowflakedb/gosnowflake/blob/master/restful.go
 */
export const ENDPOINTS = {
  login: { method: 'POST', path: '/session/v1/login-request' },
  authenticator: { method: 'POST', path: '/session/authenticator-request' },
  tokenRequest: { method: 'POST', path: '/session/token-request' },
  heartbeat: { method: 'POST', path: '/session/heartbeat' },
  session: { method: 'POST', path: '/session' },
  telemetry: { method: 'POST', path: '/telemetry/send' },
  queryRequest: { method: 'POST', path: '/queries/v1/query-request' },
  abortByRequestId: { method: 'POST', path: '/queries/v1/abort-request' },
  abortByQueryId: { method: 'POST', pattern: /^\/queries\/([0-9a-fA-F-]{36})\/abort-request$/ },
  queryResult: { method: 'GET', pattern: /^\/queries\/([0-9a-fA-F-]{36})\/result$/ },
  monitoring: { method: 'GET', pattern: /^\/monitoring\/queries\/([0-9a-fA-F-]{36})$/ },
} as const;

/** The endpoint names, used verbatim as metric labels. */
export type EndpointName = keyof typeof ENDPOINTS | 'chunk' | 'unknown';

/** A request line matched to an endpoint, with the query id the path carries, if any. */
export interface MatchedEndpoint {
  name: EndpointName;
  queryId?: string;
}

/** Matches a method and a path (without query string) to an endpoint. */
export function matchEndpoint(method: string, pathname: string): MatchedEndpoint {
  for (const [name, ep] of Object.entries(ENDPOINTS)) {
    if (ep.method !== method) continue;
    if ('path' in ep) {
      if (ep.path === pathname) return { name: name as EndpointName };
    } else {
      const m = ep.pattern.exec(pathname);
      if (m) return { name: name as EndpointName, queryId: m[1] };
    }
  }
  return { name: 'unknown' };
}

/** Relative result URL for a query id (relative: the driver appends it to its accessUrl, §1.1). */
export function resultPath(queryId: string): string {
  return `/queries/${queryId}/result`;
}

/** The shape real Snowflake query ids have, and the driver insists on (§5.2). */
export const QUERY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
