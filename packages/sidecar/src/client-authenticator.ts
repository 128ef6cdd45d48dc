/**
 * Which client logins carry the pod's projected token: `OAUTH` (the token as an access token) and
 * `WORKLOAD_IDENTITY` with `PROVIDER=OIDC` (the token as an OIDC attestation, what the drivers send
 * with `token_file_path`/`token` — snowflake-connector-python `auth/workload_identity.py`,
 * snowflake-sdk `auth_workload_identity.js`). Both then pass the same verification and pod binding.
 */
import type { AuthFailureReason } from './auth-reasons.js';

/** The client authenticators the sidecar accepts. */
export const CLIENT_AUTHENTICATORS = ['OAUTH', 'WORKLOAD_IDENTITY'] as const;

/** How the client presented its token. */
export type ClientAuthenticator = (typeof CLIENT_AUTHENTICATORS)[number];

/** The token to verify, or why the login is refused before verification. */
export type ClientTokenResult =
  | { ok: true; token: string; authenticator: ClientAuthenticator }
  | { ok: false; reason: Extract<AuthFailureReason, 'authenticator_not_supported' | 'token_missing'>; detail?: string };

/** Picks the pod token out of a login request's `data`. */
export function clientTokenFrom(data: Record<string, unknown>): ClientTokenResult {
  const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
  if (authenticator === 'WORKLOAD_IDENTITY') {
    const provider = String(data.PROVIDER ?? '').toUpperCase();
    // AWS, AZURE and GCP attestations are cloud credentials, not the pod's token: never accepted.
    if (provider !== 'OIDC') return { ok: false, reason: 'authenticator_not_supported', detail: `got WORKLOAD_IDENTITY with provider ${provider || '(none)'}` };
  } else if (authenticator !== 'OAUTH') {
    return { ok: false, reason: 'authenticator_not_supported', detail: `got ${authenticator}` };
  }
  const token = typeof data.TOKEN === 'string' ? data.TOKEN.trim() : '';
  if (!token) return { ok: false, reason: 'token_missing' };
  return { ok: true, token, authenticator: authenticator as ClientAuthenticator };
}
