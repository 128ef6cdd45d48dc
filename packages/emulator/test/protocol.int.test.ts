import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { post, rawLogin, rawQuery } from './raw.js';

const UNKNOWN_ID = '01c2f5c5-0814-a22c-0001-dd6a7fc3c4c3';

describe('wire details (docs/protocol.md §1, §4, §5)', () => {
  let emu: EmulatorHandle;
  let token: string;

  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'bob', password: 's3cret' }] });
    token = await rawLogin(emu.url, 'bob', 's3cret');
  });
  afterAll(async () => {
    await emu.close();
  });

  it('accepts gzip request bodies without a Content-Encoding header (the Python connector gzips; sniffed by magic bytes)', async () => {
    const body = gzipSync(JSON.stringify({ data: { LOGIN_NAME: 'bob', PASSWORD: 's3cret', AUTHENTICATOR: 'SNOWFLAKE' } }));
    const res = await fetch(`${emu.url}/session/v1/login-request?requestId=g1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ success: true, data: { validityInSeconds: 3600, masterValidityInSeconds: 14400 } });
  });

  it('sends the format parameters (BINARY_OUTPUT_FORMAT included) on login, results and in-progress answers', async () => {
    const names = (env: { data: Record<string, unknown> }): string[] => ((env.data.parameters ?? []) as { name: string }[]).map((p) => p.name);
    const login = await post(emu.url, '/session/v1/login-request?requestId=p1', { data: { LOGIN_NAME: 'bob', PASSWORD: 's3cret', AUTHENTICATOR: 'SNOWFLAKE' } });
    const result = await rawQuery(emu.url, token, 'select 1');
    const pending = await rawQuery(emu.url, token, 'select 1', { asyncExec: true });
    for (const env of [login, result, pending]) {
      expect(names(env)).toEqual(expect.arrayContaining(['TIMEZONE', 'DATE_OUTPUT_FORMAT', 'TIMESTAMP_NTZ_OUTPUT_FORMAT', 'BINARY_OUTPUT_FORMAT']));
    }
    expect(pending).toMatchObject({ success: true, code: '333334' });
  });

  it('answers statement metadata: UUID queryId, statementTypeId, final names, returned/total, version', async () => {
    const env = await rawQuery(emu.url, token, 'select 1 as x');
    expect(env.data).toMatchObject({ returned: 1, total: 1, statementTypeId: 4096, version: 1, queryResultFormat: 'json', finalRoleName: 'PUBLIC' });
    expect(env.data.queryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(env.data.rowtype).toEqual([expect.objectContaining({ name: 'X', type: 'fixed', precision: 38, scale: 0 })]);
  });

  it('answers unknown ids and idle aborts with Snowflake errors, never a 5xx', async () => {
    const auth = { authorization: `Snowflake Token="${token}"` };
    const result = await fetch(`${emu.url}/queries/${UNKNOWN_ID}/result`, { headers: auth });
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ success: false, code: '000709' });
    const monitoring = await fetch(`${emu.url}/monitoring/queries/${UNKNOWN_ID}`, { headers: auth });
    expect(await monitoring.json()).toMatchObject({ success: true, data: { queries: [] } });
    expect(await post(emu.url, `/queries/${UNKNOWN_ID}/abort-request`, undefined, token)).toMatchObject({ success: false, code: '000605' });
    const malformed = await fetch(`${emu.url}/queries/v1/query-request?requestId=m1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{nope' });
    expect(malformed.status).toBe(200);
    expect(await malformed.json()).toMatchObject({ success: false, code: '000603' });
  });

  it('describes a statement without running it (describeOnly)', async () => {
    const env = await rawQuery(emu.url, token, "select 1::number(10,2) as amount, 'x' as label", { describeOnly: true });
    expect(env.success).toBe(true);
    expect(env.data.rowset).toEqual([]);
    expect(env.data.rowtype).toEqual([
      expect.objectContaining({ name: 'AMOUNT', type: 'fixed', precision: 10, scale: 2 }),
      expect.objectContaining({ name: 'LABEL', type: 'text' }),
    ]);
  });

  it('refuses requests without a valid session token with 390104', async () => {
    expect(await rawQuery(emu.url, 'forged-token', 'select 1')).toMatchObject({ success: false, code: '390104' });
  });

  it('records every login attempt in order', () => {
    expect(emu.logins.map((l) => [l.user, l.authenticator, l.success])).toEqual([
      ['BOB', 'SNOWFLAKE', true],
      ['BOB', 'SNOWFLAKE', true],
      ['BOB', 'SNOWFLAKE', true],
    ]);
  });
});
