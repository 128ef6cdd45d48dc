/**
 * Digest objects, in the spirit of CloudTrail's digest files: each lists the segments added since
 * the previous digest with their SHA-256, the chain head, the index part, and the previous digest's
 * SHA-256, and is signed as a compact JWS (ES256). Digests of a session form their own chain.
 */
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { FORMAT_VERSION, type FormatVersion } from './format.js';
import type { SigningKey, PublishedJwk } from './keys.js';

/** `typ` header of a digest JWS. */
export const DIGEST_TYP = 'snowtrail-digest+jws';

/** One segment as a digest lists it. */
export interface DigestSegment {
  no: number;
  key: string;
  sha256: string;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
}

/** v2: one blob as a digest lists it (key relative to the session's folder). */
export interface DigestBlob {
  key: string;
  sha256: string;
  bytes: number;
}

/** The signed payload of a digest. */
export interface DigestPayload {
  version: number;
  type: 'snowtrail.digest';
  sessionId: string;
  no: number;
  createdAt: string;
  /** Signing time in seconds (JWT-style), checked against the key's validity window. */
  iat: number;
  final: boolean;
  status: 'open' | 'ended' | 'interrupted';
  previousDigest: { no: number; key: string; sha256: string } | null;
  segments: DigestSegment[];
  index: { key: string; sha256: string; bytes: number };
  chainHead: { seq: number; hash: string };
  /** Segments listed by all digests so far, including this one. */
  totalSegments: number;
  /** v2: the blobs the listed segments' `result` events reference (uploaded before this digest). */
  blobs?: DigestBlob[];
}

/** Builds a digest payload (pure). */
export function buildDigestPayload(input: Omit<DigestPayload, 'version' | 'type' | 'createdAt' | 'iat'> & { now: number; version?: FormatVersion }): DigestPayload {
  const { now, version, ...rest } = input;
  return { version: version ?? FORMAT_VERSION, type: 'snowtrail.digest', ...rest, createdAt: new Date(now).toISOString(), iat: Math.floor(now / 1000) };
}

/** Signs a digest payload; the result is the object's content. */
export async function signDigest(payload: DigestPayload, key: SigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: DIGEST_TYP })
    .sign(key.privateKey);
}

/** Outcome of checking one digest's signature. */
export type DigestCheck =
  | { ok: true; payload: DigestPayload; kid: string }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'key_not_valid_then' | 'bad_alg'; message: string; payload?: DigestPayload; kid?: string };

/** Verifies a digest JWS against published keys (pure apart from crypto). */
export async function verifyDigest(jws: string, keys: PublishedJwk[]): Promise<DigestCheck> {
  let header;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return { ok: false, reason: 'malformed', message: 'not a compact JWS' };
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  let unverified: DigestPayload | undefined;
  try {
    const part = jws.split('.')[1] ?? '';
    unverified = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as DigestPayload;
  } catch {
    return { ok: false, reason: 'malformed', message: 'the JWS payload is not JSON' };
  }
  if (header.alg !== 'ES256') return { ok: false, reason: 'bad_alg', message: `signed with ${String(header.alg)}, only ES256 is accepted`, payload: unverified, ...(kid ? { kid } : {}) };
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) return { ok: false, reason: 'unknown_key', message: `signed with unknown key kid=${kid ?? '(none)'}`, payload: unverified, ...(kid ? { kid } : {}) };
  try {
    const publicKey = await importJWK(stripValidity(jwk), 'ES256');
    const { payload } = await compactVerify(jws, publicKey, { algorithms: ['ES256'] });
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as DigestPayload;
    if ((jwk.nbf !== undefined && parsed.iat < jwk.nbf - 300) || (jwk.exp !== undefined && parsed.iat > jwk.exp)) {
      return { ok: false, reason: 'key_not_valid_then', message: `signed at ${parsed.createdAt}, outside the validity window of key kid=${jwk.kid}`, payload: parsed, kid: jwk.kid };
    }
    return { ok: true, payload: parsed, kid: jwk.kid };
  } catch {
    return { ok: false, reason: 'bad_signature', message: `signature does not verify with key kid=${kid ?? ''}`, payload: unverified, ...(kid ? { kid } : {}) };
  }
}

function stripValidity(jwk: PublishedJwk): JWK {
  const { nbf: _nbf, exp: _exp, ...rest } = jwk;
  return rest;
}
