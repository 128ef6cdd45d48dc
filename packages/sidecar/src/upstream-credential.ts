import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import type { SidecarConfig } from '@snowtrail/config';
import { jwtIssuer, jwtSubject } from '@snowtrail/protocol';
import { SIDECAR_ERRORS, SidecarError } from './errors.js';
import { createWorkloadIdentityCredential } from './upstream-workload-identity.js';

/** The credential fields that replace the client's in the upstream login body. */
export interface UpstreamCredentialFields {
  AUTHENTICATOR: 'SNOWFLAKE_JWT' | 'PROGRAMMATIC_ACCESS_TOKEN' | 'SNOWFLAKE' | 'WORKLOAD_IDENTITY';
  TOKEN?: string;
  /** Workload identity only: the attestation provider (`OIDC` for a service-account token). */
  PROVIDER?: string;
  PASSWORD?: string;
}

/** Produces fresh credential fields for each upstream login. */
export type UpstreamCredential = () => Promise<UpstreamCredentialFields>;

/** Lifetime of the key-pair JWT: Python and Go use 60 s; a login uses it at once (§10.1). */
const JWT_LIFETIME_SECONDS = 60;

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new SidecarError(SIDECAR_ERRORS.credentialUnreadable, `${what} file ${path} cannot be read`, { cause: err });
  }
}

/** SHA-256 of the DER SubjectPublicKeyInfo, base64 with padding: Snowflake's RSA_PUBLIC_KEY_FP (§10.1). */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** Signs a Snowflake key-pair login JWT (RS256, iss/sub per docs/protocol.md §10, times in seconds). */
export async function signSnowflakeJwt(key: KeyObject, account: string, user: string, nowSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(jwtIssuer(account, user, publicKeyFingerprint(key)))
    .setSubject(jwtSubject(account, user))
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + JWT_LIFETIME_SECONDS)
    .sign(key);
}

/** Loads a PEM private key, decrypting it with the passphrase when one is given (encrypted PKCS#8). */
export function loadPrivateKey(pem: string, passphrase: string | undefined, path: string): KeyObject {
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase });
  } catch (err) {
    throw new SidecarError(SIDECAR_ERRORS.credentialUnreadable, `private key ${path} cannot be loaded (wrong passphrase or not a PEM key)`, { cause: err });
  }
}

/**
 * Builds the credential source from `upstream`. Files are read at every login, so a rotated Secret
 * (the kubelet updates mounted Secrets in place) is used without a restart.
 */
export function createUpstreamCredential(upstream: SidecarConfig['upstream'], now: () => number = Date.now): UpstreamCredential {
  const auth = upstream.auth;
  switch (auth.type) {
    case 'keypair':
      return async () => {
        const pem = await readSecretFile(auth.privateKeyFile, 'private key');
        const passphrase = auth.privateKeyPassphraseFile ? await readSecretFile(auth.privateKeyPassphraseFile, 'passphrase') : undefined;
        const key = loadPrivateKey(pem, passphrase, auth.privateKeyFile);
        return { AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: await signSnowflakeJwt(key, upstream.account, upstream.user, Math.floor(now() / 1000)) };
      };
    case 'pat':
      return async () => ({ AUTHENTICATOR: 'PROGRAMMATIC_ACCESS_TOKEN', TOKEN: await readSecretFile(auth.tokenFile, 'token') });
    case 'password':
      return async () => ({ AUTHENTICATOR: 'SNOWFLAKE', PASSWORD: await readSecretFile(auth.passwordFile, 'password') });
    case 'workloadIdentity':
      return createWorkloadIdentityCredential(auth, now);
  }
}

/** Checks once at start-up that the credential files are usable, so a broken Secret fails fast. */
export async function checkUpstreamCredential(credential: UpstreamCredential): Promise<void> {
  await credential();
}
