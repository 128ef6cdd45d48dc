import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { post } from './raw.js';
import { baseOptions, connect, destroy, execute, rsaKeyPair, type Connection } from './driver.js';

const alice = rsaKeyPair();
const mallory = rsaKeyPair();

describe('login through snowflake-sdk 3.3.0', () => {
  let emu: EmulatorHandle;
  let conn: Connection | undefined;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [
        { name: 'alice', publicKeyPem: alice.publicKeyPem },
        { name: 'bob', password: 's3cret' },
        { name: 'carol', oauthTokens: ['oauth-carol-1'] },
        { name: 'dave', pats: ['pat-dave-1'] },
      ],
      initSql: 'CREATE DATABASE ANALYTICS; CREATE SCHEMA ANALYTICS.RAW;',
    });
  });
  afterEach(async () => {
    await destroy(conn);
    conn = undefined;
  });
  afterAll(async () => {
    await emu.close();
  });

  it('takes the user from the JWT subject when the login has no LOGIN_NAME (as gosnowflake sends it), still checking the key', async () => {
    const jwtFor = async (privateKeyPem: string): Promise<string> => {
      const fp = createHash('sha256').update(createPublicKey(alice.publicKeyPem).export({ type: 'spki', format: 'der' })).digest('base64');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(`SNOWTRAIL.ALICE.SHA256:${fp}`).setSubject('SNOWTRAIL.ALICE').setIssuedAt(now).setExpirationTime(now + 60).sign(createPrivateKey(privateKeyPem));
    };
    const login = (token: string) => post(emu.url, '/session/v1/login-request', { data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: token, CLIENT_APP_ID: 'Go' } });
    const ok = await login(await jwtFor(alice.privateKeyPem));
    expect([ok.success, emu.logins.at(-1)?.user]).toEqual([true, 'ALICE']);
    const forged = await login(await jwtFor(mallory.privateKeyPem));
    expect([forged.success, forged.code]).toEqual([false, '390144']);
  });

  it('accepts a key-pair login (RS256 JWT, iat/exp in milliseconds) and runs select 42', async () => {
    conn = await connect({ ...baseOptions(emu.url), username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: alice.privateKeyPem });
    const { rows } = await execute(conn, 'select 42');
    expect(rows).toEqual([{ '42': 42 }]);
    expect(emu.logins.at(-1)).toMatchObject({ user: 'ALICE', authenticator: 'SNOWFLAKE_JWT', success: true });
  });

  it('accepts an account with a region suffix (normalised for the JWT claims)', async () => {
    conn = await connect({ accessUrl: emu.url, account: 'snowtrail.us-east-1', username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: alice.privateKeyPem });
    const { rows } = await execute(conn, 'select current_user() as u, current_account() as a');
    expect(rows).toEqual([{ U: 'ALICE', A: 'SNOWTRAIL' }]);
  });

  it('refuses a JWT signed with another key with 390144', async () => {
    await expect(
      connect({ ...baseOptions(emu.url), username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: mallory.privateKeyPem }),
    ).rejects.toMatchObject({ code: '390144' });
    expect(emu.logins.at(-1)).toMatchObject({ user: 'alice', authenticator: 'SNOWFLAKE_JWT', success: false, code: '390144' });
  });

  it('accepts a password login and refuses a wrong password with 390100', async () => {
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
    const { rows } = await execute(conn, 'select 1 as x');
    expect(rows).toEqual([{ X: 1 }]);
    await expect(connect({ ...baseOptions(emu.url), username: 'bob', password: 'nope' })).rejects.toMatchObject({
      code: '390100',
      message: 'Incorrect username or password was specified.',
    });
  });

  it('accepts OAuth tokens configured per user and refuses others with 390303', async () => {
    conn = await connect({ ...baseOptions(emu.url), authenticator: 'OAUTH', token: 'oauth-carol-1' });
    expect((await execute(conn, 'select current_user() as u')).rows).toEqual([{ U: 'CAROL' }]);
    await expect(connect({ ...baseOptions(emu.url), authenticator: 'OAUTH', token: 'forged' })).rejects.toMatchObject({ code: '390303' });
  });

  it('accepts programmatic access tokens and refuses others with 394400', async () => {
    conn = await connect({ ...baseOptions(emu.url), username: 'dave', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: 'pat-dave-1' });
    expect((await execute(conn, 'select current_user() as u')).rows).toEqual([{ U: 'DAVE' }]);
    await expect(
      connect({ ...baseOptions(emu.url), username: 'dave', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: 'pat-wrong' }),
    ).rejects.toMatchObject({ code: '394400' });
  });

  it('keeps warehouse/database/schema/role from the login URL as session state', async () => {
    conn = await connect({
      ...baseOptions(emu.url),
      username: 'bob',
      password: 's3cret',
      warehouse: 'compute_wh',
      database: 'analytics',
      schema: 'raw',
      role: 'analyst',
    });
    const { rows, statement } = await execute(conn, 'select current_warehouse() w, current_database() d, current_schema() s, current_role() r');
    expect(rows).toEqual([{ W: 'COMPUTE_WH', D: 'ANALYTICS', S: 'RAW', R: 'ANALYST' }]);
    expect(statement.getSessionState?.()).toBeDefined();
  });

  it('reports a missing database as no current database, as Snowflake does', async () => {
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret', database: 'NOPE' });
    const { rows } = await execute(conn, 'select current_database() as d');
    expect(rows).toEqual([{ D: null }]);
  });
});
