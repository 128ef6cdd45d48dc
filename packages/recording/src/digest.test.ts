import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { buildDigestPayload, signDigest, verifyDigest } from './digest.js';
import { signingKeyFromPem } from './keys.js';

const pem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const payload = buildDigestPayload({ sessionId: 'S', no: 1, now: Date.parse('2026-11-26T12:00:00Z'), final: true, status: 'ended', previousDigest: null, segments: [], index: { key: 'i', sha256: 'x', bytes: 1 }, chainHead: { seq: 0, hash: 'h' }, totalSegments: 0 });

describe('digests', () => {
  it('uses the RFC 7638 thumbprint as kid unless configured, and verifies ES256 signatures', async () => {
    const key = await signingKeyFromPem(pem());
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await signingKeyFromPem(pem(), 'k1')).kid).toBe('k1');
    const jws = await signDigest(payload, key);
    expect(await verifyDigest(jws, [{ ...key.publicJwk, kid: key.kid }])).toMatchObject({ ok: true, kid: key.kid, payload });
  });

  it('rejects an unknown kid, another key under the same kid, and a signature outside the key validity window', async () => {
    const key = await signingKeyFromPem(pem());
    const other = await signingKeyFromPem(pem());
    const jws = await signDigest(payload, key);
    expect(await verifyDigest(jws, [{ ...other.publicJwk, kid: other.kid }])).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(await verifyDigest(jws, [{ ...other.publicJwk, kid: key.kid }])).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(await verifyDigest(jws, [{ ...key.publicJwk, kid: key.kid, exp: payload.iat - 10 }])).toMatchObject({ ok: false, reason: 'key_not_valid_then' });
    expect(await verifyDigest('garbage', [])).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses keys that are not EC P-256', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(signingKeyFromPem(rsa)).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_SIGNING_KEY' });
  });
});
