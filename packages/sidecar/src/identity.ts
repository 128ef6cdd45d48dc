import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { CallerIdentity } from '@snowtrail/recording';
import type { AuthFailureReason } from './auth-reasons.js';
import type { JwksSource } from './jwks-source.js';

/** Asymmetric algorithms only: an HMAC "signed" with the public key must never verify (CVE-2015-9235 class). */
export const ALLOWED_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** What a token must satisfy; read per verification so a config reload applies to the next login. */
export interface IdentitySettings {
  issuer: string;
  audiences: string[];
  podUid: string;
  allowedSubjects: string[];
  clockSkewSeconds: number;
}

/** The outcome of verifying a projected service-account token. */
export type IdentityResult =
  | { ok: true; identity: CallerIdentity; claims: Record<string, unknown> }
  | { ok: false; reason: AuthFailureReason; detail?: string; claims?: Record<string, unknown> };

/** Options of the verifier. */
export interface IdentityVerifierOptions {
  source: JwksSource;
  settings: () => IdentitySettings;
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number;
}

interface KubernetesClaims {
  namespace?: string;
  node?: { name?: string };
  pod?: { name?: string; uid?: string };
  serviceaccount?: { name?: string; uid?: string };
}

/** Maps jose's error codes to our reason keys (jose documents `code`; we never match on message text). */
export function classifyJoseError(err: unknown): AuthFailureReason {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'token_expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'nbf' || e.claim === 'iat') return 'token_not_yet_valid';
      if (e.claim === 'aud') return 'token_audience_mismatch';
      if (e.claim === 'iss') return 'token_issuer_mismatch';
      return 'token_claims_missing';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'token_alg_not_allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token_signature_invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'token_kid_unknown';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'SNOWTRAIL_ERR_SIDECAR_JWKS_UNAVAILABLE':
      return 'jwks_unavailable';
    default:
      return 'token_malformed';
  }
}

/** Builds the recorded identity from verified claims. */
export function identityFromClaims(payload: JWTPayload): CallerIdentity {
  const k = (payload['kubernetes.io'] ?? {}) as KubernetesClaims;
  const identity: CallerIdentity = { subject: String(payload.sub) };
  if (k.namespace) identity.namespace = k.namespace;
  if (k.pod?.name) identity.podName = k.pod.name;
  if (k.pod?.uid) identity.podUid = k.pod.uid;
  if (k.serviceaccount?.name) identity.serviceAccount = k.serviceaccount.name;
  if (k.serviceaccount?.uid) identity.serviceAccountUid = k.serviceaccount.uid;
  if (k.node?.name) identity.nodeName = k.node.name;
  if (payload.jti) identity.tokenId = payload.jti;
  return identity;
}

/** Claims safe to record for a failed attempt: identity facts, never the signature. */
function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { iss, sub, aud, exp, nbf, iat, jti } = payload;
    return { iss, sub, aud, exp, nbf, iat, jti, 'kubernetes.io': payload['kubernetes.io'], verified: false };
  } catch {
    return undefined;
  }
}

/** Creates the verifier of the projected service-account tokens drivers present at login. */
export function createIdentityVerifier(options: IdentityVerifierOptions): (token: string) => Promise<IdentityResult> {
  const now = options.now ?? Date.now;
  async function verifyOnce(token: string, s: IdentitySettings): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, options.source.getKey, {
      issuer: s.issuer,
      audience: s.audiences,
      algorithms: ALLOWED_TOKEN_ALGORITHMS,
      clockTolerance: s.clockSkewSeconds,
      currentDate: new Date(now()),
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return payload;
  }
  return async function verify(token) {
    const s = options.settings();
    const fail = (reason: AuthFailureReason, detail?: string): IdentityResult => {
      const claims = unverifiedClaims(token);
      return claims ? { ok: false, reason, detail, claims } : { ok: false, reason, detail };
    };
    try {
      decodeProtectedHeader(token);
    } catch {
      return fail('token_malformed');
    }
    let payload: JWTPayload;
    try {
      try {
        payload = await verifyOnce(token, s);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
        await options.source.refresh();
        payload = await verifyOnce(token, s);
      }
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || (err as { code?: string }).code) return fail(classifyJoseError(err));
      return fail('token_malformed');
    }
    const nowSeconds = Math.floor(now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + s.clockSkewSeconds) return fail('token_not_yet_valid');
    const k = payload['kubernetes.io'] as KubernetesClaims | undefined;
    if (!k?.pod?.uid) return fail('token_claims_missing', 'kubernetes.io.pod.uid');
    if (k.pod.uid !== s.podUid) return fail('token_pod_mismatch');
    if (!payload.sub || !s.allowedSubjects.includes(payload.sub)) return fail('subject_not_allowed', payload.sub);
    return { ok: true, identity: identityFromClaims(payload), claims: payload as Record<string, unknown> };
  };
}
