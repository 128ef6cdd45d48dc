import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { baseOptions, connect, destroy, execute, type Connection } from './driver.js';
import { post, rawQuery } from './raw.js';

describe('token validity on an injected clock', () => {
  let clock = Date.UTC(2026, 10, 26, 12, 0, 0);
  let emu: EmulatorHandle;
  let conn: Connection;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      sessionValiditySeconds: 60,
      masterValiditySeconds: 600,
      now: () => clock,
    });
    conn = await connect({ ...baseOptions(emu.url), username: 'bob', password: 's3cret' });
  });
  afterAll(async () => {
    await destroy(conn);
    await emu.close();
  });

  it('expires the session token after its validity; the driver renews with the master token', async () => {
    clock += 61_000;
    expect((await execute(conn, 'select 1 as one')).rows).toEqual([{ ONE: 1 }]);
    expect(emu.logins.filter((l) => l.success)).toHaveLength(1);
  });

  it('refuses renewal once the master token has expired (390114), so the client must log in again', async () => {
    const login = await post(emu.url, '/session/v1/login-request?requestId=x', { data: { LOGIN_NAME: 'bob', PASSWORD: 's3cret', AUTHENTICATOR: 'SNOWFLAKE' } });
    expect(login.data).toMatchObject({ validityInSeconds: 60, masterValidityInSeconds: 600 });
    clock += 601_000;
    expect(await rawQuery(emu.url, login.data.token!, 'select 1')).toMatchObject({ success: false, code: '390112' });
    const renew = await post(emu.url, '/session/token-request', { requestType: 'RENEW', oldSessionToken: login.data.token }, String(login.data.masterToken));
    expect(renew).toMatchObject({ success: false, code: '390114', message: 'Master token expired.' });
    const unknown = await post(emu.url, '/session/token-request', { requestType: 'RENEW', oldSessionToken: 'x' }, 'not-a-master-token');
    expect(unknown).toMatchObject({ success: false, code: '390113' });
  });
});
