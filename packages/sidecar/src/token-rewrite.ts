/** Pure rewrites of the renewal exchange (`/session/token-request`, docs/protocol.md §8.2). */
import type { SnowflakeEnvelope, TokenRequest, TokenResponseData } from '@snowtrail/protocol';

/** Swaps the `oldSessionToken` handle for the real token, keeping every other field. */
export function rewriteTokenRequestBody(body: TokenRequest, realSessionToken: string): TokenRequest {
  return { ...body, oldSessionToken: realSessionToken };
}

/** The real tokens of a successful renewal answer. */
export interface RenewedTokens {
  sessionToken: string;
  masterToken?: string | undefined;
  masterValiditySeconds?: number | undefined;
}

/** Extracts the renewed tokens (Node accepts `token` as well as `sessionToken`, so do we). */
export function extractRenewedTokens(envelope: SnowflakeEnvelope<TokenResponseData | null>): RenewedTokens | undefined {
  const d = envelope.data;
  if (!envelope.success || !d) return undefined;
  const st = typeof d.sessionToken === 'string' ? d.sessionToken : typeof d.token === 'string' ? d.token : undefined;
  if (st === undefined) return undefined;
  const mv = typeof d.validityInSecondsMT === 'number' ? d.validityInSecondsMT : typeof d.masterValidityInSeconds === 'number' ? d.masterValidityInSeconds : undefined;
  return { sessionToken: st, masterToken: typeof d.masterToken === 'string' ? d.masterToken : undefined, masterValiditySeconds: mv };
}

/**
 * Replaces the tokens in a renewal answer with handles. The master handle is always included:
 * snowflake-sdk overwrites its master token with whatever the answer says (undefined if absent, §16.8).
 */
export function rewriteTokenResponse<T extends SnowflakeEnvelope<TokenResponseData | null>>(envelope: T, handles: { session: string; master: string | undefined }): T {
  const data: TokenResponseData = { ...(envelope.data ?? {}) };
  if ('token' in data) data.token = handles.session;
  data.sessionToken = handles.session;
  if (handles.master !== undefined) data.masterToken = handles.master;
  return { ...envelope, data };
}
