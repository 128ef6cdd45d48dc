import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT, exportJWK, UnsecuredJWT } from 'jose';
import { startTokenIssuer, type TokenIssuerHandle } from '@snowtrail/devkit';
import { createIdentityVerifier, type IdentitySettings } from './identity.js';
import { createFileJwksSource, createRemoteJwksSource } from './jwks-source.js';

const POD = '3b8c2e0a-1111-4222-8333-444455556666';
const base = { namespace: 'pipelines', podName: 'etl-0', podUid: POD, serviceAccount: 'etl' };

describe('identity verification (remote JWKS)', () => {
  let issuer: TokenIssuerHandle;
  let settings: IdentitySettings;
  let verify: ReturnType<typeof createIdentityVerifier>;
  beforeAll(async () => {
    issuer = await startTokenIssuer();
    settings = { issuer: issuer.issuer, audiences: ['snowtrail'], podUid: POD, allowedSubjects: ['system:serviceaccount:pipelines:etl'], clockSkewSeconds: 5 };
    verify = createIdentityVerifier({ source: createRemoteJwksSource(issuer.jwksUri), settings: () => settings });
  });
  afterAll(() => issuer.close());

  it('accepts a projected token and reports the identity from its claims', async () => {
    const r = await verify(await issuer.mint({ ...base, nodeName: 'node-a' }));
    expect(r).toMatchObject({ ok: true, identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'etl-0', podUid: POD, serviceAccount: 'etl', nodeName: 'node-a' } });
  });

  it.each([
    ['token_expired', { overrides: { exp: Math.floor(Date.now() / 1000) - 600 } }],
    ['token_not_yet_valid', { overrides: { nbf: Math.floor(Date.now() / 1000) + 600 } }],
    ['token_not_yet_valid', { overrides: { iat: Math.floor(Date.now() / 1000) + 600 } }],
    ['token_audience_mismatch', { audience: 'vault' }],
    ['token_issuer_mismatch', { overrides: { iss: 'https://evil.example' } }],
    ['token_pod_mismatch', { podUid: '00000000-0000-4000-8000-000000000000' }],
    ['subject_not_allowed', { serviceAccount: 'default' }],
  ])('refuses %s', async (reason, over) => {
    const r = await verify(await issuer.mint({ ...base, ...over }));
    expect(r).toMatchObject({ ok: false, reason });
  });

  it('refuses alg none, HS256 with the public key, an unknown kid, tampering, truncation and garbage', async () => {
    const good = await issuer.mint(base);
    const [h, p, s] = good.split('.') as [string, string, string];
    const none = new UnsecuredJWT({ sub: 'system:serviceaccount:pipelines:etl' }).encode();
    const jwk = issuer.jwks.keys[0]!;
    const hs = await new SignJWT({ sub: 'system:serviceaccount:pipelines:etl', 'kubernetes.io': { pod: { uid: POD } } })
      .setProtectedHeader({ alg: 'HS256', kid: jwk.kid! })
      .setIssuer(issuer.issuer).setAudience('snowtrail').setIssuedAt().setExpirationTime('1h')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    const other = await generateKeyPair('RS256');
    const unknownKid = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: 'nope' }).sign(other.privateKey);
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${s}`;
    expect(await verify(none)).toMatchObject({ ok: false, reason: 'token_alg_not_allowed' });
    expect(await verify(hs)).toMatchObject({ ok: false, reason: 'token_alg_not_allowed' });
    expect(await verify(unknownKid)).toMatchObject({ ok: false, reason: 'token_kid_unknown' });
    expect(await verify(tampered)).toMatchObject({ ok: false, reason: 'token_signature_invalid' });
    expect(await verify(good.slice(0, good.length - 20))).toMatchObject({ ok: false, reason: 'token_signature_invalid' });
    expect(await verify(`${h}.${p}`)).toMatchObject({ ok: false, reason: 'token_malformed' });
    expect(await verify('not a token')).toMatchObject({ ok: false, reason: 'token_malformed' });
  });

  it('follows a key rotation (unknown kid → JWKS refetch)', async () => {
    const fresh = await startTokenIssuer();
    try {
      const v = createIdentityVerifier({ source: createRemoteJwksSource(fresh.jwksUri, { cooldownMs: 0 }), settings: () => ({ ...settings, issuer: fresh.issuer }) });
      expect(await v(await fresh.mint(base))).toMatchObject({ ok: true });
      await fresh.rotate();
      expect(await v(await fresh.mint(base))).toMatchObject({ ok: true });
    } finally {
      await fresh.close();
    }
  });

  it('applies new settings at the next verification (hot reload)', async () => {
    const token = await issuer.mint(base);
    settings = { ...settings, allowedSubjects: ['system:serviceaccount:pipelines:other'] };
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'subject_not_allowed' });
    settings = { ...settings, allowedSubjects: ['system:serviceaccount:pipelines:etl'] };
  });
});

describe('identity verification (JWKS file)', () => {
  let issuer: TokenIssuerHandle;
  let dir: string;
  beforeAll(async () => {
    issuer = await startTokenIssuer();
    dir = await mkdtemp(join(tmpdir(), 'snowtrail-jwks-'));
  });
  afterAll(async () => {
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-reads the file when it is replaced (ConfigMap symlink swap semantics)', async () => {
    const file = join(dir, 'jwks.json');
    await writeFile(file, JSON.stringify(issuer.jwks));
    const settings = { issuer: issuer.issuer, audiences: ['snowtrail'], podUid: POD, allowedSubjects: ['system:serviceaccount:pipelines:etl'], clockSkewSeconds: 5 };
    const verify = createIdentityVerifier({ source: createFileJwksSource(file), settings: () => settings });
    expect(await verify(await issuer.mint(base))).toMatchObject({ ok: true });
    await issuer.rotate();
    expect(await verify(await issuer.mint(base))).toMatchObject({ ok: false, reason: 'token_kid_unknown' });
    await writeFile(join(dir, 'next.json'), JSON.stringify(issuer.jwks));
    await rename(join(dir, 'next.json'), file);
    expect(await verify(await issuer.mint(base))).toMatchObject({ ok: true });
    const { publicKey } = await generateKeyPair('ES256');
    expect((await exportJWK(publicKey)).kty).toBe('EC');
  });

  it('reports an unreadable JWKS file as jwks_unavailable', async () => {
    const settings = { issuer: issuer.issuer, audiences: ['snowtrail'], podUid: POD, allowedSubjects: ['x'], clockSkewSeconds: 5 };
    const verify = createIdentityVerifier({ source: createFileJwksSource(join(dir, 'missing.json')), settings: () => settings });
    expect(await verify(await issuer.mint(base))).toMatchObject({ ok: false, reason: 'jwks_unavailable' });
  });
});
