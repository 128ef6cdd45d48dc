/** Raw HTTP helpers for tests that check the wire (what the driver would receive). */
import type { QueryResponseData, SnowflakeEnvelope } from '@snowtrail/protocol';

/** Logs in through the sidecar with a projected token and returns the session handle; `client` names the driver (JDBC, Go and Python sessions get Arrow answers). */
export async function rawLogin(url: string, token: string, client: { app: string; version: string } = { app: 'JavaScript', version: '3.3.0' }): Promise<string> {
  const res = await fetch(`${url}/session/v1/login-request?requestId=${crypto.randomUUID()}&request_guid=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', CLIENT_APP_ID: client.app, CLIENT_APP_VERSION: client.version },
    body: JSON.stringify({ data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'OAUTH', TOKEN: token, CLIENT_APP_ID: client.app, CLIENT_APP_VERSION: client.version } }),
  });
  const env = (await res.json()) as SnowflakeEnvelope<{ token: string }>;
  if (!env.success) throw new Error(`login failed: ${env.code} ${env.message}`);
  return env.data.token;
}

/** Runs a statement through the sidecar and returns the raw answer envelope. */
export async function rawQuery(url: string, handle: string, sqlText: string): Promise<SnowflakeEnvelope<QueryResponseData>> {
  const res = await fetch(`${url}/queries/v1/query-request?requestId=${crypto.randomUUID()}&request_guid=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${handle}"` },
    body: JSON.stringify({ sqlText, disableOfflineChunks: false }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as SnowflakeEnvelope<QueryResponseData>;
}

/** Fetches a result by query id (what the driver's 403-refresh does). */
export async function rawResult(url: string, handle: string, queryId: string): Promise<SnowflakeEnvelope<QueryResponseData>> {
  const res = await fetch(`${url}/queries/${queryId}/result?disableOfflineChunks=false&request_guid=${crypto.randomUUID()}`, {
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${handle}"` },
  });
  return (await res.json()) as SnowflakeEnvelope<QueryResponseData>;
}
