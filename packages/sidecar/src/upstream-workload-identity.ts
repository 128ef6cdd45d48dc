/**
 * The `workloadIdentity` upstream method: the sidecar presents its own projected service-account
 * token to Snowflake (AUTHENTICATOR=WORKLOAD_IDENTITY, PROVIDER=OIDC), as snowflake-connector-python's
 * `auth/workload_identity.py` does with `token_file_path`. The file is read at every login because
 * the kubelet rewrites it before it expires; a token past its `exp` is never sent.
 */
import { readFile } from 'node:fs/promises';
import { SIDECAR_ERRORS, SidecarError } from './errors.js';

/** The credential fields of a workload-identity login (driver field names, login-request `data`). */
export interface WorkloadIdentityFields {
  AUTHENTICATOR: 'WORKLOAD_IDENTITY';
  PROVIDER: 'OIDC';
  TOKEN: string;
}

/** What the token's unverified claims say about its use. */
export type TokenUsability = { ok: true; expiresAt: number } | { ok: false; why: string };

/** The `workloadIdentity` auth settings the credential needs. */
export interface WorkloadIdentitySettings {
  tokenFile: string;
  audience: string;
}

/** Reads a JWT's payload without verifying it (Snowflake verifies; we only decide whether to send it). */
function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a token may be sent: well formed, meant for `audience`, and not expired at
 * `nowSeconds`. No clock tolerance: a token at or past its `exp` is stale even if Snowflake's clock
 * would still take it, and the kubelet has a fresh one long before then (it rotates at 80 % of life).
 */
export function checkTokenUsable(token: string, audience: string, nowSeconds: number): TokenUsability {
  const payload = decodePayload(token);
  if (!payload) return { ok: false, why: 'it is not a JWT' };
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : [];
  if (!audiences.includes(audience)) return { ok: false, why: `its audience is ${JSON.stringify(aud ?? null)}, not ${audience}` };
  if (typeof payload.exp !== 'number') return { ok: false, why: 'it has no exp claim' };
  if (payload.exp <= nowSeconds) return { ok: false, why: `it expired at ${new Date(payload.exp * 1000).toISOString()}` };
  return { ok: true, expiresAt: payload.exp };
}

/** Builds the credential source: each call reads the file again and checks the token before use. */
export function createWorkloadIdentityCredential(settings: WorkloadIdentitySettings, now: () => number): () => Promise<WorkloadIdentityFields> {
  return async () => {
    let token: string;
    try {
      token = (await readFile(settings.tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new SidecarError(SIDECAR_ERRORS.credentialUnreadable, `workload identity token file ${settings.tokenFile} cannot be read`, { cause: err });
    }
    const usable = checkTokenUsable(token, settings.audience, Math.floor(now() / 1000));
    if (!usable.ok) {
      throw new SidecarError(SIDECAR_ERRORS.workloadIdentityTokenUnusable, `workload identity token ${settings.tokenFile} cannot be used: ${usable.why}`);
    }
    return { AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'OIDC', TOKEN: token };
  };
}

/** The recorder and the metrics the failure record needs (a slice of the proxy context). */
interface FailureSink {
  recorder: { authFailure(details: { reason: string; message: string; client: Record<string, unknown>; claims?: Record<string, unknown> }): Promise<void> };
}

/**
 * Records that a verified client was turned away because the sidecar's own credential could not be
 * used (e.g. an expired workload-identity token): the audit trail shows the attempt, nothing silent.
 */
export async function recordCredentialFailure(
  ctx: FailureSink,
  details: { message: string; client: Record<string, unknown>; claims: Record<string, unknown> },
  log: { warn(obj: object, msg: string): void },
): Promise<void> {
  try {
    await ctx.recorder.authFailure({ reason: 'upstream_credential_unusable', message: details.message, client: details.client, claims: details.claims });
  } catch (err) {
    log.warn({ err }, 'auth failure could not be recorded');
  }
}
