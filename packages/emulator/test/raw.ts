/** Test helpers that speak the REST protocol directly (to see what the driver hides: chunk URLs, headers). */
import { randomUUID } from 'node:crypto';

/** A JSON envelope as the emulator answers it. */
export interface Envelope {
  success: boolean;
  code: string | null;
  message: string | null;
  data: Record<string, unknown> & {
    token?: string;
    chunks?: { url: string; rowCount: number }[];
    chunkHeaders?: Record<string, string>;
    rowset?: unknown[][];
    returned?: number;
    queryId?: string;
  };
}

/** POSTs JSON to a GS path with an optional session token. */
export async function post(base: string, path: string, body: unknown, token?: string): Promise<Envelope> {
  const res = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}request_guid=${randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return (await res.json()) as Envelope;
}

/** Logs in with a password; returns the session token. */
export async function rawLogin(base: string, user: string, password: string): Promise<string> {
  const env = await post(base, `/session/v1/login-request?requestId=${randomUUID()}`, {
    data: { ACCOUNT_NAME: 'SNOWTRAIL', LOGIN_NAME: user, PASSWORD: password, AUTHENTICATOR: 'SNOWFLAKE' },
  });
  if (!env.success || !env.data.token) throw new Error(`login failed: ${env.code} ${env.message}`);
  return env.data.token;
}

/** Runs a statement over raw HTTP. */
export function rawQuery(base: string, token: string, sqlText: string, extra: Record<string, unknown> = {}): Promise<Envelope> {
  return post(base, `/queries/v1/query-request?requestId=${randomUUID()}`, { sqlText, disableOfflineChunks: false, ...extra }, token);
}

/** Logs in with a password as a given driver (its CLIENT_APP_ID) and optional session parameters. */
export async function rawLoginAs(base: string, user: string, password: string, clientAppId: string, sessionParameters: Record<string, unknown> = {}): Promise<string> {
  const env = await post(base, `/session/v1/login-request?requestId=${randomUUID()}`, {
    data: { ACCOUNT_NAME: 'SNOWTRAIL', LOGIN_NAME: user, PASSWORD: password, AUTHENTICATOR: 'SNOWFLAKE', CLIENT_APP_ID: clientAppId, SESSION_PARAMETERS: sessionParameters },
  });
  if (!env.success || !env.data.token) throw new Error(`login failed: ${env.code} ${env.message}`);
  return env.data.token;
}
