/**
 * Workload identity federation (AUTHENTICATOR=WORKLOAD_IDENTITY, PROVIDER=OIDC): a service user
 * trusts an OIDC issuer and subject; the login's TOKEN is that issuer's JWT. The drivers send the
 * fields as snowflake-connector-python's `auth/workload_identity.py` `update_body` does: AUTHENTICATOR,
 * PROVIDER and TOKEN (LOGIN_NAME optional: Snowflake finds the user by issuer and subject).
 * The token's signature is checked against the issuer's keys: a JWKS given at start-up, or OIDC
 * discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`).
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** One trusted identity of a user (`WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = … SUBJECT = … [OIDC_AUDIENCE_LIST = (…)])`). */
export interface WorkloadIdentity {
  /** Name shown by SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS (DEFAULT for the first). */
  name?: string;
  issuer: string;
  subject: string;
  /** Accepted `aud` values; Snowflake's default `snowflakecomputing.com` when absent. */
  audiences?: string[];
}

/** Snowflake's default audience for OIDC workload identity. */
export const DEFAULT_WORKLOAD_IDENTITY_AUDIENCE = 'snowflakecomputing.com';

/** Asymmetric algorithms only: `alg: none` and HMAC (a "signature" made with the public key) never verify. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Seconds of clock skew tolerated on exp/nbf/iat (as for key-pair JWTs). */
const CLOCK_SKEW_SECONDS = 60;

/** Where the keys of an issuer come from. */
export interface IssuerKeys {
  /** The key getter for an issuer; rejects when the issuer's keys cannot be loaded. */
  forIssuer(issuer: string): Promise<JWTVerifyGetKey>;
}

/**
 * Keys from JWKS given at start-up (by issuer), else from OIDC discovery. Discovery results are
 * cached per issuer; jose's remote set refetches once when a token names a kid it does not know.
 */
export function createIssuerKeys(staticJwks: Record<string, JSONWebKeySet> = {}, fetcher: typeof fetch = fetch): IssuerKeys {
  const cache = new Map<string, Promise<JWTVerifyGetKey>>();
  const discover = async (issuer: string): Promise<JWTVerifyGetKey> => {
    const res = await fetcher(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`OIDC discovery for ${issuer} answered HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OIDC Discovery §4.3: the document's issuer must be the one asked about.
    if (doc.issuer !== issuer) throw new Error(`OIDC discovery for ${issuer} names another issuer`);
    if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery for ${issuer} has no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri));
  };
  return {
    forIssuer(issuer) {
      const fixed = staticJwks[issuer];
      if (fixed) return Promise.resolve(createLocalJWKSet(fixed));
      let p = cache.get(issuer);
      if (!p) {
        p = discover(issuer);
        cache.set(issuer, p);
        // A failed discovery is retried at the next login rather than cached.
        p.catch(() => cache.delete(issuer));
      }
      return p;
    },
  };
}

/** A user as the workload-identity check sees it. */
export interface WorkloadIdentityUser {
  name: string;
  workloadIdentities?: WorkloadIdentity[];
}

/** The outcome: the user, or the reason shown in brackets after Snowflake's message. */
export type WorkloadIdentityOutcome<U> = { ok: true; user: U; tokenId?: string } | { ok: false; reason: string };

/** Maps jose's error codes to the reason (never the message text). */
function reasonFromJose(err: unknown): string {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'nbf' || e.claim === 'iat') return 'not yet valid';
      if (e.claim === 'aud') return 'audience';
      if (e.claim === 'iss') return 'issuer';
      return `claim ${e.claim ?? 'missing'}`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'algorithm';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown key id';
    default:
      return 'malformed';
  }
}

/** Which user trusts this issuer and subject; the reason names what did not match. */
function findTrustingUser<U extends WorkloadIdentityUser>(users: Iterable<U>, iss: string, sub: string, loginName: string): { user: U; identity: WorkloadIdentity } | { reason: string } {
  let issuerKnown = false;
  for (const u of users) {
    if (loginName !== '' && u.name.toUpperCase() !== loginName.toUpperCase()) continue;
    for (const id of u.workloadIdentities ?? []) {
      if (id.issuer !== iss) continue;
      issuerKnown = true;
      if (id.subject === sub) return { user: u, identity: id };
    }
  }
  return { reason: issuerKnown ? 'subject' : 'issuer' };
}

/** Checks a WORKLOAD_IDENTITY login: provider, issuer and subject of a user, signature, audience, lifetime. */
export async function verifyWorkloadIdentityToken<U extends WorkloadIdentityUser>(
  input: { provider: string; token: string; loginName: string },
  users: Iterable<U>,
  keys: IssuerKeys,
  nowMs: number,
): Promise<WorkloadIdentityOutcome<U>> {
  if (input.provider.toUpperCase() !== 'OIDC') return { ok: false, reason: `provider ${input.provider || 'missing'} is not supported` };
  if (!input.token) return { ok: false, reason: 'missing token' };
  let iss: unknown;
  let sub: unknown;
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(input.token).alg;
    ({ iss, sub } = decodeJwt(input.token));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.includes(alg)) return { ok: false, reason: 'algorithm' };
  if (typeof iss !== 'string' || typeof sub !== 'string') return { ok: false, reason: 'malformed' };
  const found = findTrustingUser(users, iss, sub, input.loginName);
  if ('reason' in found) return { ok: false, reason: found.reason };
  let getKey: JWTVerifyGetKey;
  try {
    getKey = await keys.forIssuer(iss);
  } catch {
    return { ok: false, reason: 'issuer keys unavailable' };
  }
  try {
    const { payload } = await jwtVerify(input.token, getKey, {
      issuer: iss,
      subject: sub,
      audience: found.identity.audiences?.length ? found.identity.audiences : [DEFAULT_WORKLOAD_IDENTITY_AUDIENCE],
      algorithms: ALLOWED_ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp'],
    });
    if (typeof payload.iat === 'number' && payload.iat - CLOCK_SKEW_SECONDS > Math.floor(nowMs / 1000)) return { ok: false, reason: 'not yet valid' };
    return payload.jti ? { ok: true, user: found.user, tokenId: payload.jti } : { ok: true, user: found.user };
  } catch (err) {
    return { ok: false, reason: reasonFromJose(err) };
  }
}
