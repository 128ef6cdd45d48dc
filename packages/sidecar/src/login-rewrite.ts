/**
 * Pure rewrites of the login exchange (the Teleport shape: rewrite functions take plain data and
 * return plain data). See docs/adr/0020-login-session-context.md for why conflicting client
 * parameters are refused instead of overridden.
 */
import type { LoginRequest, LoginResponseData, SnowflakeEnvelope } from '@snowtrail/protocol';
import type { UpstreamCredentialFields } from './upstream-credential.js';

/** The login URL parameters that set a session's context, with the config's names. */
export const LOGIN_CONTEXT_PARAMS = [
  { url: 'roleName', key: 'role' },
  { url: 'warehouse', key: 'warehouse' },
  { url: 'databaseName', key: 'database' },
  { url: 'schemaName', key: 'schema' },
] as const;

/** The session context pinned by the config. */
export interface PinnedContext {
  role?: string | undefined;
  warehouse?: string | undefined;
  database?: string | undefined;
  schema?: string | undefined;
}

/** The resolved context, or the parameter that conflicts with the pinned one. */
export type LoginContextResult =
  | { ok: true; context: PinnedContext }
  | { ok: false; parameter: 'role' | 'warehouse' | 'database' | 'schema'; asked: string; pinned?: string | undefined };

/** Snowflake identifiers compare case-insensitively unless double-quoted. */
export function sameIdentifier(a: string, b: string): boolean {
  const norm = (s: string) => (s.startsWith('"') && s.endsWith('"') && s.length > 1 ? s.slice(1, -1) : s.toUpperCase());
  return norm(a) === norm(b);
}

/**
 * Decides the session context: the config's value wins; a client value that differs is refused; a
 * client value for an unpinned warehouse/database/schema is kept; a client role is never taken
 * unless it equals the pinned one (the role decides what data the session can reach).
 */
export function resolveLoginContext(params: URLSearchParams, pinned: PinnedContext): LoginContextResult {
  const context: PinnedContext = { ...pinned };
  for (const { url, key } of LOGIN_CONTEXT_PARAMS) {
    const asked = params.get(url);
    if (asked === null || asked === '') continue;
    const pin = pinned[key];
    if (pin !== undefined) {
      if (!sameIdentifier(asked, pin)) return { ok: false, parameter: key, asked, pinned: pin };
    } else if (key === 'role') {
      return { ok: false, parameter: key, asked };
    } else {
      context[key] = asked;
    }
  }
  return { ok: true, context };
}

/** Human text for a refused login parameter. */
export function describeContextConflict(r: Extract<LoginContextResult, { ok: false }>): string {
  return r.pinned === undefined
    ? `snowtrail: login refused: the connection asks for ${r.parameter} '${r.asked}', but this sidecar's sessions use the user's default ${r.parameter}; remove ${r.parameter} from the connection options`
    : `snowtrail: login refused: the connection asks for ${r.parameter} '${r.asked}', but this sidecar's sessions use ${r.parameter} '${r.pinned}'; remove ${r.parameter} from the connection options or set it to '${r.pinned}'`;
}

/** Builds the upstream login query string: the client's parameters with the context replaced. */
export function buildUpstreamLoginQuery(params: URLSearchParams, context: PinnedContext): string {
  const out = new URLSearchParams();
  for (const [k, v] of params) {
    if (LOGIN_CONTEXT_PARAMS.some((p) => p.url === k)) continue;
    if (k === 'request_guid') continue;
    out.append(k, v);
  }
  for (const { url, key } of LOGIN_CONTEXT_PARAMS) {
    const v = context[key];
    if (v !== undefined) out.append(url, v);
  }
  // request_guid stays the last parameter, as the driver sends it (§1.1).
  const guid = params.get('request_guid');
  if (guid !== null) out.append('request_guid', guid);
  return out.toString();
}

/** Client-side credential fields that must never reach Snowflake (Teleport blanks the same set). */
const CLIENT_CREDENTIAL_FIELDS = [
  'PASSWORD', 'TOKEN', 'PASSCODE', 'EXT_AUTHN_DUO_METHOD', 'RAW_SAML_RESPONSE', 'PROOF_KEY',
  'BROWSER_MODE_REDIRECT_PORT', 'passcodeInPassword', 'PROVIDER', 'SPCS_TOKEN',
];

/**
 * Rewrites the login body: the client's credential out, the sidecar's in, the configured account and
 * user; every other field kept (CLIENT_ENVIRONMENT, SESSION_PARAMETERS, unknown ones). The client
 * cannot ask Snowflake for cached id or MFA tokens: those would be long-lived credentials.
 */
export function rewriteLoginRequestBody(body: LoginRequest, cred: UpstreamCredentialFields, account: string, user: string): LoginRequest {
  const data: Record<string, unknown> = { ...body.data };
  for (const f of CLIENT_CREDENTIAL_FIELDS) delete data[f];
  data.ACCOUNT_NAME = account.split('.')[0];
  data.LOGIN_NAME = user;
  data.AUTHENTICATOR = cred.AUTHENTICATOR;
  if (cred.TOKEN !== undefined) data.TOKEN = cred.TOKEN;
  if (cred.PASSWORD !== undefined) data.PASSWORD = cred.PASSWORD;
  if (cred.PROVIDER !== undefined) data.PROVIDER = cred.PROVIDER;
  const env = data.CLIENT_ENVIRONMENT;
  if (env && typeof env === 'object') {
    const copy = { ...(env as Record<string, unknown>) };
    delete copy.OAUTH_TYPE;
    data.CLIENT_ENVIRONMENT = copy;
  }
  const sp = data.SESSION_PARAMETERS;
  data.SESSION_PARAMETERS = {
    ...(sp && typeof sp === 'object' ? (sp as Record<string, unknown>) : {}),
    CLIENT_REQUEST_MFA_TOKEN: false,
    CLIENT_STORE_TEMPORARY_CREDENTIAL: false,
  };
  const out: LoginRequest = { ...body, data };
  delete out.inFlightCtx;
  return out;
}

/** Long-lived credentials a login answer may carry that must not reach the client. */
const ANSWER_CREDENTIAL_FIELDS = ['idToken', 'mfaToken', 'remMeToken'] as const;

/** The real tokens of a successful login answer. */
export interface LoginTokens {
  token: string;
  masterToken?: string | undefined;
  validityInSeconds?: number | undefined;
  masterValidityInSeconds?: number | undefined;
  sessionId?: string | undefined;
  sessionInfo?: LoginResponseData['sessionInfo'];
}

/** Extracts the real tokens; undefined when the answer is not a usable success. */
export function extractLoginTokens(envelope: SnowflakeEnvelope<LoginResponseData | null>): LoginTokens | undefined {
  const d = envelope.data;
  if (!envelope.success || !d || typeof d.token !== 'string') return undefined;
  return {
    token: d.token,
    masterToken: typeof d.masterToken === 'string' ? d.masterToken : undefined,
    validityInSeconds: typeof d.validityInSeconds === 'number' ? d.validityInSeconds : undefined,
    masterValidityInSeconds: typeof d.masterValidityInSeconds === 'number' ? d.masterValidityInSeconds : undefined,
    sessionId: d.sessionId === undefined || d.sessionId === null ? undefined : String(d.sessionId),
    sessionInfo: d.sessionInfo,
  };
}

/** Replaces the real tokens in a login answer with the opaque handles, keeping every other field. */
export function rewriteLoginResponse<T extends SnowflakeEnvelope<LoginResponseData | null>>(
  envelope: T,
  handles: { session: string; master?: string | undefined },
): T {
  const data: LoginResponseData = { ...(envelope.data ?? {}) };
  data.token = handles.session;
  if (handles.master !== undefined) data.masterToken = handles.master;
  else delete data.masterToken;
  for (const f of ANSWER_CREDENTIAL_FIELDS) if (f in data) data[f] = null;
  return { ...envelope, data };
}
