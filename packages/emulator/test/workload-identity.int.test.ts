import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { startTokenIssuer, type MintClaims, type TokenIssuerHandle } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { post, rawLogin, rawQuery, type Envelope } from './raw.js';

const POD: MintClaims = { namespace: 'pipelines', podName: 'etl-1', podUid: 'uid-1', serviceAccount: 'etl', audience: 'snowflakecomputing.com' };
const SUBJECT = 'system:serviceaccount:pipelines:etl';
const now = () => Math.floor(Date.now() / 1000);

function wifLogin(base: string, token: string, extra: Record<string, unknown> = {}): Promise<Envelope> {
  // The fields snowflake-connector-python's AuthByWorkloadIdentity.update_body and snowflake-sdk's
  // AuthWorkloadIdentity.updateBody send.
  return post(base, '/session/v1/login-request', { data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'OIDC', TOKEN: token, ...extra } });
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('workload identity users (CREATE USER … WORKLOAD_IDENTITY, OIDC discovery)', () => {
  let issuer: TokenIssuerHandle;
  let emu: EmulatorHandle;
  let admin: string;

  beforeAll(async () => {
    issuer = await startTokenIssuer();
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'ADMIN', password: 'admin-pw' }] });
    admin = await rawLogin(emu.url, 'ADMIN', 'admin-pw');
    const created = await rawQuery(emu.url, admin, `CREATE USER svc_etl TYPE = SERVICE WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = '${issuer.issuer}' SUBJECT = '${SUBJECT}')`);
    expect(created).toMatchObject({ success: true });
  });
  afterAll(async () => {
    await emu.close();
    await issuer.close();
  });

  it('logs in the user that trusts the token\'s issuer and subject, with or without LOGIN_NAME', async () => {
    const token = await issuer.mint(POD);
    const env = await wifLogin(emu.url, token);
    expect(env.success).toBe(true);
    const who = await rawQuery(emu.url, env.data.token!, 'select current_user() as u');
    expect(who.data.rowset).toEqual([['SVC_ETL']]);
    expect((await wifLogin(emu.url, await issuer.mint(POD), { LOGIN_NAME: 'svc_etl' })).success).toBe(true);
    expect(emu.logins.at(-1)).toMatchObject({ user: 'SVC_ETL', authenticator: 'WORKLOAD_IDENTITY', success: true });
  });

  it('refuses a LOGIN_NAME other than the user that trusts the identity', async () => {
    const env = await wifLogin(emu.url, await issuer.mint(POD), { LOGIN_NAME: 'ADMIN' });
    expect(env).toMatchObject({ success: false, code: '390144' });
  });

  const forgeries: [string, () => Promise<string>, string][] = [
    ['wrong issuer', () => issuer.mint({ ...POD, overrides: { iss: 'https://evil.example' } }), 'issuer'],
    ['wrong subject', () => issuer.mint({ ...POD, serviceAccount: 'other' }), 'subject'],
    ['wrong audience', () => issuer.mint({ ...POD, audience: 'snowtrail' }), 'audience'],
    ['expired', () => issuer.mint({ ...POD, overrides: { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 } }), 'expired'],
    ['not yet valid', () => issuer.mint({ ...POD, overrides: { nbf: now() + 3600, exp: now() + 7200 } }), 'not yet valid'],
    [
      'bad signature',
      async () => {
        const [h, p] = (await issuer.mint(POD)).split('.');
        const other = (await issuer.mint({ ...POD, podName: 'x' })).split('.')[2];
        return `${h}.${p}.${other}`;
      },
      'signature',
    ],
    [
      'unknown kid',
      async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const [, p] = (await issuer.mint(POD)).split('.');
        return new SignJWT(JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>).setProtectedHeader({ alg: 'RS256', kid: 'not-published' }).sign(privateKey);
      },
      'unknown key id',
    ],
    [
      'alg none',
      async () => {
        const [, p] = (await issuer.mint(POD)).split('.');
        return `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
      },
      'algorithm',
    ],
    [
      'HS256 signed with the issuer\'s public key',
      async () => {
        const jwk = issuer.jwks.keys[0]! as JWK;
        // The classic confusion attack: the public key's PEM used as an HMAC secret.
        const pem = Buffer.from(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString());
        const [, p] = (await issuer.mint(POD)).split('.');
        return new SignJWT(JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>).setProtectedHeader({ alg: 'HS256', kid: jwk.kid! }).sign(new Uint8Array(pem));
      },
      'algorithm',
    ],
  ];

  it.each(forgeries)('refuses %s with 390144', async (_name, forge, reason) => {
    const env = await wifLogin(emu.url, await forge());
    expect(env).toMatchObject({ success: false, code: '390144', message: `JWT token is invalid. [${reason}]`, data: { authnMethod: 'WORKLOAD_IDENTITY' } });
    expect(emu.logins.at(-1)).toMatchObject({ authenticator: 'WORKLOAD_IDENTITY', success: false, code: '390144' });
  });

  it('refuses a provider other than OIDC', async () => {
    const env = await wifLogin(emu.url, await issuer.mint(POD), { PROVIDER: 'AWS' });
    expect(env).toMatchObject({ success: false, code: '390144', message: 'JWT token is invalid. [provider AWS is not supported]' });
  });

  it('ADD and REMOVE WORKLOAD IDENTITY change who may log in, and SHOW lists the identities', async () => {
    const batch = { ...POD, namespace: 'batch', serviceAccount: 'loader' };
    expect((await wifLogin(emu.url, await issuer.mint(batch))).code).toBe('390144');
    const added = await rawQuery(emu.url, admin, `ALTER USER svc_etl ADD WORKLOAD IDENTITY loader TYPE = OIDC ISSUER = '${issuer.issuer}' SUBJECT = 'system:serviceaccount:batch:loader' OIDC_AUDIENCE_LIST = ('snowtrail-loader')`);
    expect(added.success).toBe(true);
    expect((await wifLogin(emu.url, await issuer.mint({ ...batch, audience: 'snowtrail-loader' }))).success).toBe(true);
    // The listed audience replaces the default one for that identity.
    expect((await wifLogin(emu.url, await issuer.mint(batch))).message).toBe('JWT token is invalid. [audience]');
    const shown = await rawQuery(emu.url, admin, 'SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER svc_etl');
    expect(shown.data.rowset).toEqual([
      ['DEFAULT', 'OIDC', 'SVC_ETL', issuer.issuer, SUBJECT, '["snowflakecomputing.com"]'],
      ['LOADER', 'OIDC', 'SVC_ETL', issuer.issuer, 'system:serviceaccount:batch:loader', '["snowtrail-loader"]'],
    ]);
    expect((await rawQuery(emu.url, admin, 'ALTER USER svc_etl REMOVE WORKLOAD IDENTITY loader')).success).toBe(true);
    expect((await wifLogin(emu.url, await issuer.mint({ ...batch, audience: 'snowtrail-loader' }))).message).toBe('JWT token is invalid. [subject]');
  });

  it('answers Snowflake errors for a duplicate user and an unknown one', async () => {
    expect(await rawQuery(emu.url, admin, `CREATE USER svc_etl WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = 'https://x' SUBJECT = 'y')`)).toMatchObject({ success: false, code: '002002' });
    expect(await rawQuery(emu.url, admin, 'ALTER USER nobody ADD WORKLOAD IDENTITY TYPE = OIDC ISSUER = \'https://x\' SUBJECT = \'y\'')).toMatchObject({ success: false, code: '002003' });
    expect(await rawQuery(emu.url, admin, 'CREATE USER u2 WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'x\')')).toMatchObject({ success: false, code: '001003' });
  });
});

describe('workload identity from start-up options (a JWKS given instead of discovery)', () => {
  it('verifies against the given JWKS without reaching the issuer', async () => {
    const issuer = await startTokenIssuer({ issuer: 'https://oidc.unreachable.example/id/1' });
    const emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'SVC', workloadIdentities: [{ issuer: issuer.issuer, subject: SUBJECT }] }],
      workloadIdentityJwks: { [issuer.issuer]: issuer.jwks },
    });
    try {
      expect((await wifLogin(emu.url, await issuer.mint(POD))).success).toBe(true);
      await issuer.rotate();
      expect((await wifLogin(emu.url, await issuer.mint(POD))).message).toBe('JWT token is invalid. [unknown key id]');
    } finally {
      await emu.close();
      await issuer.close();
    }
  });

  it('refuses when the issuer\'s keys cannot be discovered', async () => {
    const emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'SVC', workloadIdentities: [{ issuer: 'http://127.0.0.1:9', subject: SUBJECT }] }] });
    const issuer = await startTokenIssuer({ issuer: 'http://127.0.0.1:9' });
    try {
      expect((await wifLogin(emu.url, await issuer.mint(POD))).message).toBe('JWT token is invalid. [issuer keys unavailable]');
    } finally {
      await emu.close();
      await issuer.close();
    }
  });
});
