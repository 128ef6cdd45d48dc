/**
 * The digest signing key (EC P-256, ES256) and the public JWK published for verifiers. `kid` is the
 * configured id or the RFC 7638 thumbprint of the public key, so any verifier can recompute it.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { RECORDING_ERRORS, RecordingError } from './errors.js';

/** A loaded signing key. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** A published verification key: a JWK plus its validity window (seconds since the epoch). */
export interface PublishedJwk extends JWK {
  kid: string;
  /** Digests signed before this time are not accepted with this key. */
  nbf?: number;
  /** Digests signed after this time are not accepted with this key (set when the key is retired). */
  exp?: number;
}

/** Builds a signing key from PEM text (PKCS#8 or SEC1 "EC PRIVATE KEY"). */
export async function signingKeyFromPem(pem: string, keyId?: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new RecordingError(RECORDING_ERRORS.signingKey, 'the signing key is not a readable PEM private key', { cause: err });
  }
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new RecordingError(RECORDING_ERRORS.signingKey, 'the signing key must be an EC P-256 key (ES256)');
  }
  const jwk = await exportJWK(createPublicKey(privateKey));
  const kid = keyId ?? (await calculateJwkThumbprint(jwk, 'sha256'));
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

/** Reads `recording.signing.keyFile`. */
export async function loadSigningKey(keyFile: string, keyId?: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(keyFile, 'utf8');
  } catch (err) {
    throw new RecordingError(RECORDING_ERRORS.signingKey, `cannot read the signing key file ${keyFile}`, { cause: err });
  }
  return signingKeyFromPem(pem, keyId);
}
