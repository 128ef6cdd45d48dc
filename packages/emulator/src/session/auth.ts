/**
 * Login verification for the four authenticators the emulator supports (docs/protocol.md §3, §10):
 * SNOWFLAKE (password), SNOWFLAKE_JWT (RS256 key pair), OAUTH and PROGRAMMATIC_ACCESS_TOKEN.
 * Failures carry Snowflake's real codes so drivers react as they do against Snowflake.
 */
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt } from 'jose';
import { SF_CODES, jwtIssuer, jwtSubject, normalizeEpochSeconds, type LoginRequestData } from '@snowtrail/protocol';
import { EMULATOR_ERROR_CODES, EmulatorError } from '../errors.js';
import { createIssuerKeys, verifyWorkloadIdentityToken, type IssuerKeys, type WorkloadIdentity } from './workload-identity.js';

/** A user the emulator accepts (the public API's EmulatorUser). */
export interface EmulatorUser {
  name: string;
  password?: string;
  publicKeyPem?: string;
  oauthTokens?: string[];
  pats?: string[];
  /** OIDC identities the (service) user trusts for AUTHENTICATOR=WORKLOAD_IDENTITY. */
  workloadIdentities?: WorkloadIdentity[];
}

/** A user with its key parsed once at start-up. */
export interface RegisteredUser extends EmulatorUser {
  publicKey?: KeyObject;
  publicKeyFingerprint?: string;
}

/** The outcome of a login check. */
export type LoginOutcome =
  | { ok: true; user: RegisteredUser; authenticator: string; tokenId?: string }
  | { ok: false; user: string; authenticator: string; code: string; message: string; authnMethod: string };

/** Seconds of clock skew tolerated on iat/exp. */
const CLOCK_SKEW_SECONDS = 60;

/** The base64 SHA-256 of a public key's DER SubjectPublicKeyInfo (§10.1, RSA_PUBLIC_KEY_FP). */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** Parses users' keys once, failing with a clear error naming the user. */
export function registerUsers(users: EmulatorUser[]): Map<string, RegisteredUser> {
  const map = new Map<string, RegisteredUser>();
  for (const u of users) {
    if (!u.name) throw new EmulatorError(EMULATOR_ERROR_CODES.invalidOptions, 'every user needs a name');
    const reg: RegisteredUser = { ...u };
    if (u.publicKeyPem) {
      try {
        reg.publicKey = createPublicKey(u.publicKeyPem);
      } catch (err) {
        throw new EmulatorError(EMULATOR_ERROR_CODES.invalidPublicKey, `public key of user ${u.name} is not a PEM public key`, { cause: err });
      }
      if (reg.publicKey.asymmetricKeyType !== 'rsa') {
        throw new EmulatorError(EMULATOR_ERROR_CODES.invalidPublicKey, `public key of user ${u.name} must be RSA (Snowflake key-pair auth uses RS256)`);
      }
      reg.publicKeyFingerprint = publicKeyFingerprint(reg.publicKey);
    }
    const key = u.name.toUpperCase();
    const existing = map.get(key);
    // Repeated user flags add credentials to the same user.
    map.set(key, existing ? mergeUsers(existing, reg) : reg);
  }
  return map;
}

function mergeUsers(a: RegisteredUser, b: RegisteredUser): RegisteredUser {
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    oauthTokens: [...(a.oauthTokens ?? []), ...(b.oauthTokens ?? [])],
    pats: [...(a.pats ?? []), ...(b.pats ?? [])],
    workloadIdentities: [...(a.workloadIdentities ?? []), ...(b.workloadIdentities ?? [])],
  } as RegisteredUser;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function fail(user: string, authenticator: string, code: string, message: string, authnMethod: string): LoginOutcome {
  return { ok: false, user, authenticator, code, message, authnMethod };
}

/**
 * The user named by a key-pair JWT's `sub` (`ACCOUNT.USER`), read before verification: gosnowflake
 * sends no LOGIN_NAME with SNOWFLAKE_JWT (auth.go), Snowflake takes the user from the token. The
 * signature is still checked against that user's registered key.
 */
function jwtSubjectUser(token: unknown): string {
  if (typeof token !== 'string') return '';
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    const sub = typeof payload.sub === 'string' ? payload.sub : '';
    const dot = sub.indexOf('.');
    return dot >= 0 ? sub.slice(dot + 1) : '';
  } catch {
    return '';
  }
}

/** Checks a login-request's credentials against the registered users. */
export async function verifyLogin(data: LoginRequestData, users: Map<string, RegisteredUser>, account: string, nowMs: number, issuerKeys: IssuerKeys = createIssuerKeys()): Promise<LoginOutcome> {
  const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
  const loginName = (typeof data.LOGIN_NAME === 'string' ? data.LOGIN_NAME : '') || (authenticator === 'SNOWFLAKE_JWT' ? jwtSubjectUser(data.TOKEN) : '');
  const user = users.get(loginName.toUpperCase());
  switch (authenticator) {
    case 'SNOWFLAKE': {
      const password = typeof data.PASSWORD === 'string' ? data.PASSWORD : '';
      if (!user || user.password === undefined || !safeEqual(user.password, password)) {
        return fail(loginName, authenticator, SF_CODES.incorrectPassword, 'Incorrect username or password was specified.', 'PASSWORD');
      }
      return { ok: true, user, authenticator };
    }
    case 'SNOWFLAKE_JWT':
      return verifyJwtLogin(data, user, loginName, account, nowMs);
    case 'OAUTH': {
      const token = typeof data.TOKEN === 'string' ? data.TOKEN : '';
      const owner = findByToken(users, token, (u) => u.oauthTokens);
      if (!owner || (loginName !== '' && owner.name.toUpperCase() !== loginName.toUpperCase())) {
        return fail(loginName || owner?.name || '', authenticator, SF_CODES.oauthInvalid, 'Invalid OAuth access token. ', 'OAUTH');
      }
      return { ok: true, user: owner, authenticator };
    }
    case 'PROGRAMMATIC_ACCESS_TOKEN': {
      // The driver sends the PAT as TOKEN, falling back to the password field (§3.2).
      const token = typeof data.TOKEN === 'string' ? data.TOKEN : typeof data.PASSWORD === 'string' ? data.PASSWORD : '';
      const owner = findByToken(users, token, (u) => u.pats);
      if (!owner || (loginName !== '' && owner.name.toUpperCase() !== loginName.toUpperCase())) {
        return fail(loginName || owner?.name || '', authenticator, SF_CODES.patInvalid, 'Programmatic access token is invalid.', 'PAT');
      }
      return { ok: true, user: owner, authenticator };
    }
    case 'WORKLOAD_IDENTITY': {
      const r = await verifyWorkloadIdentityToken(
        { provider: typeof data.PROVIDER === 'string' ? data.PROVIDER : '', token: typeof data.TOKEN === 'string' ? data.TOKEN : '', loginName },
        users.values(),
        issuerKeys,
        nowMs,
      );
      if (!r.ok) return fail(loginName, authenticator, SF_CODES.jwtInvalid, `JWT token is invalid. [${r.reason}]`, 'WORKLOAD_IDENTITY');
      return r.tokenId ? { ok: true, user: r.user, authenticator, tokenId: r.tokenId } : { ok: true, user: r.user, authenticator };
    }
    default:
      return fail(loginName, authenticator, SF_CODES.incorrectPassword, `Authenticator ${authenticator} is not supported by the snowtrail emulator.`, authenticator);
  }
}

function findByToken(users: Map<string, RegisteredUser>, token: string, pick: (u: RegisteredUser) => string[] | undefined): RegisteredUser | undefined {
  if (!token) return undefined;
  for (const u of users.values()) if ((pick(u) ?? []).some((t) => safeEqual(t, token))) return u;
  return undefined;
}

async function verifyJwtLogin(data: LoginRequestData, user: RegisteredUser | undefined, loginName: string, account: string, nowMs: number): Promise<LoginOutcome> {
  const bad = (why: string): LoginOutcome => fail(loginName, 'SNOWFLAKE_JWT', SF_CODES.jwtInvalid, `JWT token is invalid. [${why}]`, 'KEY_PAIR');
  const token = typeof data.TOKEN === 'string' ? data.TOKEN : '';
  if (!token) return bad('missing token');
  if (!user?.publicKey || !user.publicKeyFingerprint) return bad('no public key registered for the user');
  try {
    const { protectedHeader } = await compactVerify(token, user.publicKey, { algorithms: ['RS256'] });
    if (protectedHeader.alg !== 'RS256') return bad('algorithm');
  } catch {
    return bad('signature');
  }
  // jose's own claim checks assume seconds; snowflake-sdk sends milliseconds (§10.1), so check here.
  const claims = decodeJwt(token);
  const expectedSub = jwtSubject(account, user.name);
  if (claims.sub !== expectedSub) return bad('subject');
  if (claims.iss !== jwtIssuer(account, user.name, user.publicKeyFingerprint)) return bad('issuer');
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || normalizeEpochSeconds(claims.exp) + CLOCK_SKEW_SECONDS < now) return bad('expired');
  if (typeof claims.iat === 'number' && normalizeEpochSeconds(claims.iat) - CLOCK_SKEW_SECONDS > now) return bad('issued in the future');
  return { ok: true, user, authenticator: 'SNOWFLAKE_JWT' };
}
