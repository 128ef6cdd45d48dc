import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { buildUpstreamLoginQuery, extractLoginTokens, resolveLoginContext, rewriteLoginRequestBody, rewriteLoginResponse } from './login-rewrite.js';
import { extractRenewedTokens, rewriteTokenRequestBody, rewriteTokenResponse } from './token-rewrite.js';
import { rewriteChunkUrls, summarizeQueryAnswer, nextSessionContext } from './query-answer.js';
import { SessionTable } from './session-table.js';
import { publicKeyFingerprint, signSnowflakeJwt, loadPrivateKey } from './upstream-credential.js';

describe('login context (ADR 0020)', () => {
  const pinned = { role: 'ETL_ROLE', warehouse: 'ETL_WH', database: undefined, schema: undefined };
  it('keeps unpinned client values and accepts the pinned ones in any case', () => {
    const r = resolveLoginContext(new URLSearchParams('requestId=r&warehouse=etl_wh&databaseName=SALES&roleName=etl_role&request_guid=g'), pinned);
    expect(r).toEqual({ ok: true, context: { role: 'ETL_ROLE', warehouse: 'ETL_WH', database: 'SALES', schema: undefined } });
  });
  it('refuses a conflicting role, and any role when none is pinned', () => {
    expect(resolveLoginContext(new URLSearchParams('roleName=ACCOUNTADMIN'), pinned)).toMatchObject({ ok: false, parameter: 'role', asked: 'ACCOUNTADMIN', pinned: 'ETL_ROLE' });
    expect(resolveLoginContext(new URLSearchParams('roleName=ANALYST'), {})).toMatchObject({ ok: false, parameter: 'role' });
    expect(resolveLoginContext(new URLSearchParams('warehouse=BIG_WH'), pinned)).toMatchObject({ ok: false, parameter: 'warehouse' });
  });
  it('builds the upstream query with the context and request_guid last', () => {
    const q = buildUpstreamLoginQuery(new URLSearchParams('requestId=r&roleName=x&request_guid=g'), { role: 'R', database: 'D' });
    expect(q).toBe('requestId=r&roleName=R&databaseName=D&request_guid=g');
  });
});

describe('login body and answer', () => {
  const body = {
    data: {
      ACCOUNT_NAME: 'whatever', LOGIN_NAME: 'me', AUTHENTICATOR: 'OAUTH', TOKEN: 'projected-sa-token', PASSWORD: 'pw',
      CLIENT_APP_ID: 'JavaScript', CLIENT_APP_VERSION: '3.3.0', CLIENT_ENVIRONMENT: { OS: 'linux', OAUTH_TYPE: 'x' },
      SESSION_PARAMETERS: { QUERY_TAG: 't', CLIENT_STORE_TEMPORARY_CREDENTIAL: true }, SPCS_TOKEN: 's', UNKNOWN_FIELD: 42,
    },
    inFlightCtx: 'x',
  };
  it('replaces the credential, keeps unknown fields, forbids cached credentials', () => {
    const out = rewriteLoginRequestBody(body, { AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: 'jwt' }, 'myorg-acct.us-east-1', 'SVC');
    expect(out).toEqual({
      data: {
        ACCOUNT_NAME: 'myorg-acct', LOGIN_NAME: 'SVC', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: 'jwt',
        CLIENT_APP_ID: 'JavaScript', CLIENT_APP_VERSION: '3.3.0', CLIENT_ENVIRONMENT: { OS: 'linux' },
        SESSION_PARAMETERS: { QUERY_TAG: 't', CLIENT_STORE_TEMPORARY_CREDENTIAL: false, CLIENT_REQUEST_MFA_TOKEN: false }, UNKNOWN_FIELD: 42,
      },
    });
    expect(JSON.stringify(out)).not.toContain('projected-sa-token');
  });
  it('swaps tokens for handles in the answer and blanks cached credentials', () => {
    const env = { success: true, code: null, message: null, data: { token: 'REAL', masterToken: 'MASTER', validityInSeconds: 3600, masterValidityInSeconds: 14400, idToken: 'ID', sessionId: 7, extra: { a: 1 } } };
    expect(extractLoginTokens(env)).toMatchObject({ token: 'REAL', masterToken: 'MASTER', masterValidityInSeconds: 14400, sessionId: '7' });
    const out = rewriteLoginResponse(env, { session: 'h1', master: 'h2' });
    expect(out.data).toEqual({ token: 'h1', masterToken: 'h2', validityInSeconds: 3600, masterValidityInSeconds: 14400, idToken: null, sessionId: 7, extra: { a: 1 } });
    expect(extractLoginTokens({ success: false, code: '390100', message: 'no', data: null })).toBeUndefined();
  });
});

describe('renewal rewrite', () => {
  it('swaps oldSessionToken and both tokens of the answer', () => {
    expect(rewriteTokenRequestBody({ requestType: 'RENEW', oldSessionToken: 'h', x: 1 }, 'REAL')).toEqual({ requestType: 'RENEW', oldSessionToken: 'REAL', x: 1 });
    const env = { success: true, code: null, message: null, data: { sessionToken: 'NEW', validityInSecondsST: 3600, masterToken: 'M2', validityInSecondsMT: 14400 } };
    expect(extractRenewedTokens(env)).toEqual({ sessionToken: 'NEW', masterToken: 'M2', masterValiditySeconds: 14400 });
    expect(rewriteTokenResponse(env, { session: 's', master: 'm' }).data).toEqual({ sessionToken: 's', validityInSecondsST: 3600, masterToken: 'm', validityInSecondsMT: 14400 });
  });
});

describe('session table', () => {
  it('indexes both handles, renews with a new session handle, and expires', () => {
    const t = new SessionTable();
    const e = t.create({ realSessionToken: 'S', realMasterToken: 'M', masterValiditySeconds: 10, identity: { subject: 'x' }, context: {}, now: 0 });
    expect(e.sessionHandle).toMatch(/^snowtrail:s:[A-Za-z0-9_-]{43}$/);
    expect(t.bySessionHandle(e.sessionHandle, 1)).toBe(e);
    expect(t.byMasterHandle(e.masterHandle, 1)).toBe(e);
    const old = e.sessionHandle;
    t.renew(e, { realSessionToken: 'S2', realMasterToken: 'M', now: 5 });
    expect(t.bySessionHandle(old, 6)).toBeUndefined();
    expect(t.bySessionHandle(e.sessionHandle, 6)?.realSessionToken).toBe('S2');
    expect(t.size).toBe(1);
    expect(t.sweep(10_000 + 10 * 60_000)).toEqual([e]);
    expect(t.size).toBe(0);
  });
});

describe('query answers', () => {
  const env = {
    success: true, code: null, message: null,
    data: {
      queryId: '01c2f5c5-0814-a22c-0001-dd6a7fc3c4c3', rowtype: [{ name: 'X', type: 'fixed' }], rowset: [['1']], returned: 6, total: 6,
      chunks: [{ url: 'https://s3/a?sig=1', rowCount: 2 }, { url: 'https://s3/b?sig=2', rowCount: 3, uncompressedSize: 10 }], qrmk: 'KEY', finalDatabaseName: 'DB', unknownField: true,
    },
  };
  it('summarises rows and format', () => {
    expect(summarizeQueryAnswer(env)).toMatchObject({ kind: 'success', totalRows: 6, inlineRows: 1, chunkCount: 2, format: 'json', columns: ['X'] });
    expect(summarizeQueryAnswer({ success: true, code: '333333', message: 'x', data: { queryId: 'q' } }).kind).toBe('in_progress');
    expect(summarizeQueryAnswer({ success: true, code: null, message: null, data: { queryResultFormat: 'arrow', rowsetBase64: 'AAAA', returned: 10, chunks: [{ url: 'u', rowCount: 7 }] } })).toMatchObject({ format: 'arrow', inlineRows: 3 });
    expect(summarizeQueryAnswer({ success: false, code: '002003', message: 'm', data: { sqlState: '42S02' } })).toMatchObject({ kind: 'failure', errorCode: '002003', sqlState: '42S02' });
  });
  it('rewrites every chunk URL, keeps the originals and SSE-C headers for the sidecar, hides qrmk', () => {
    const { envelope, plans } = rewriteChunkUrls(env, (p) => `http://127.0.0.1:1/__snowtrail/chunks/cap${p.index}`);
    expect(envelope.data.chunks).toEqual([{ url: 'http://127.0.0.1:1/__snowtrail/chunks/cap0', rowCount: 2 }, { url: 'http://127.0.0.1:1/__snowtrail/chunks/cap1', rowCount: 3, uncompressedSize: 10 }]);
    expect(envelope.data).not.toHaveProperty('qrmk');
    expect(envelope.data.unknownField).toBe(true);
    expect(plans[1]).toEqual({ index: 1, url: 'https://s3/b?sig=2', rowCount: 3, headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': 'KEY' } });
  });
  it('tracks the session context from the answer', () => {
    expect(nextSessionContext({ database: 'A', schema: 'S' }, { finalDatabaseName: 'B', finalSchemaName: null })).toEqual({ database: 'B', schema: 'S' });
  });
});

describe('key-pair JWT (§10)', () => {
  it('signs RS256 with iss/sub per Snowflake and an encrypted PKCS#8 key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
    expect(() => loadPrivateKey(pem, 'wrong', 'k.pem')).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_SIDECAR_CREDENTIAL_UNREADABLE' }));
    const key = loadPrivateKey(pem, 'secret', 'k.pem');
    const jwt = await signSnowflakeJwt(key, 'myorg-acct.us-east-1', 'svc_user', 1_800_000_000);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const fp = publicKeyFingerprint(key);
    expect(decodeJwt(jwt)).toEqual({ iss: `MYORG-ACCT.SVC_USER.SHA256:${fp}`, sub: 'MYORG-ACCT.SVC_USER', iat: 1_800_000_000, exp: 1_800_000_060 });
    const spki = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }) as string, 'RS256');
    await expect(jwtVerify(jwt, spki, { currentDate: new Date(1_800_000_010_000) })).resolves.toBeDefined();
  });
});
