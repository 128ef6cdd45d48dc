/**
 * Stable reason keys for refused logins (metric label `reason`, recording `auth.failure`) with the
 * text the driver shows. Messages say what was wrong, never which key or what the token contained.
 */
export const AUTH_FAILURE_REASONS = {
  token_missing: 'the login carries no token; use authenticator OAUTH, or WORKLOAD_IDENTITY with provider OIDC, and the pod\'s projected service-account token',
  token_malformed: 'the token is not a well-formed signed JWT',
  token_expired: 'the token has expired',
  token_not_yet_valid: 'the token is not valid yet (nbf or iat in the future)',
  token_audience_mismatch: 'the token\'s audience is not accepted by this sidecar',
  token_issuer_mismatch: 'the token was issued by an issuer this sidecar does not trust',
  token_pod_mismatch: 'the token belongs to another pod',
  subject_not_allowed: 'the token\'s service account is not allowed to use this sidecar',
  token_alg_not_allowed: 'the token\'s signature algorithm is not allowed (asymmetric algorithms only)',
  token_signature_invalid: 'the token\'s signature does not verify',
  token_kid_unknown: 'the token was signed with a key the issuer does not publish',
  token_claims_missing: 'the token lacks a required claim',
  jwks_unavailable: 'the issuer\'s signing keys could not be loaded',
  authenticator_not_supported: 'only authenticator OAUTH, or WORKLOAD_IDENTITY with provider OIDC, with the pod\'s projected service-account token is accepted',
  request_malformed: 'the login request body is not a well-formed Snowflake login request (JSON without repeated keys, nested at most 64 levels)',
} as const;

/** One refusal reason key. */
export type AuthFailureReason = keyof typeof AUTH_FAILURE_REASONS;

/** The message the driver shows for a refused login. */
export function describeAuthFailure(reason: AuthFailureReason, detail?: string): string {
  return `snowtrail: login refused: ${AUTH_FAILURE_REASONS[reason]}${detail ? ` (${detail})` : ''}`;
}
