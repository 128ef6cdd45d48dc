import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tableFromIPC } from 'apache-arrow';
import { startEmulator, type EmulatorHandle } from '../src/index.js';
import { rawLoginAs, rawQuery, type Envelope } from './raw.js';

/** Every row of an answer, decoded from its inline Arrow stream and its chunks, as plain JS values. */
async function arrowRows(env: Envelope): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  const add = (bytes: Uint8Array): void => {
    const table = tableFromIPC(bytes);
    for (let r = 0; r < table.numRows; r++) rows.push(table.schema.fields.map((_f, c) => table.getChildAt(c)!.get(r)));
  };
  const base64 = env.data.rowsetBase64 as string;
  if (base64) add(Buffer.from(base64, 'base64'));
  for (const chunk of env.data.chunks ?? []) {
    const res = await fetch(chunk.url, { headers: env.data.chunkHeaders });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch already inflates a gzip body; the stored chunk is an Arrow IPC stream.
    add(new Uint8Array(await res.arrayBuffer()));
  }
  return rows;
}

describe('Arrow answers for the drivers that ask for them', () => {
  let emu: EmulatorHandle;

  beforeAll(async () => {
    emu = await startEmulator({
      account: 'SNOWTRAIL',
      users: [{ name: 'bob', password: 's3cret' }],
      chunking: { inlineRows: 100, rowsPerChunk: 1000 },
      initSql: "CREATE DATABASE DB; CREATE TABLE DB.PUBLIC.T (ID INT, NAME STRING, PRICE NUMBER(10,2)); INSERT INTO DB.PUBLIC.T VALUES (1, 'a', 1.50), (2, NULL, NULL)",
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('answers a JDBC, Python or Go session in Arrow, with the same values the Node driver gets in JSON', async () => {
    const json = await rawQuery(emu.url, await rawLoginAs(emu.url, 'bob', 's3cret', 'JavaScript'), 'select * from DB.PUBLIC.T order by ID');
    expect(json.data.queryResultFormat).toBe('json');
    expect(json.data.rowset).toEqual([['1', 'a', '1.50'], ['2', null, null]]);
    for (const client of ['JDBC', 'PythonConnector', 'Go']) {
      const env = await rawQuery(emu.url, await rawLoginAs(emu.url, 'bob', 's3cret', client), 'select * from DB.PUBLIC.T order by ID');
      expect(env.data.queryResultFormat).toBe('arrow');
      expect(env.data.rowset).toBeUndefined();
      expect(env.data.rowtype).toEqual(json.data.rowtype);
      expect(await arrowRows(env)).toEqual([[1, 'a', 150], [2, null, null]]);
    }
  });

  it('delivers a large Arrow result as a first stream plus chunked IPC streams whose rows add up in order', async () => {
    const token = await rawLoginAs(emu.url, 'bob', 's3cret', 'JDBC');
    const env = await rawQuery(emu.url, token, "select range as id, 'row-' || range as label from range(2500)");
    expect(env.data.chunks!.map((c) => c.rowCount)).toEqual([1000, 1000, 400]);
    const rows = await arrowRows(env);
    expect(rows).toHaveLength(2500);
    rows.forEach((r, i) => {
      if (Number(r[0]) !== i || r[1] !== `row-${i}`) throw new Error(`row ${i} is ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    });
    const raw = await fetch(env.data.chunks![0]!.url, { headers: env.data.chunkHeaders });
    // fetch inflates the gzip body: an Arrow IPC stream (continuation marker 0xFFFFFFFF first).
    expect(Buffer.from(await raw.arrayBuffer()).readUInt32LE(0)).toBe(0xffffffff);
  });

  it('keeps SHOW, DESCRIBE and CALL in JSON for an Arrow client', async () => {
    const token = await rawLoginAs(emu.url, 'bob', 's3cret', 'JDBC');
    for (const sql of ['show tables in database DB', 'describe table DB.PUBLIC.T', "call system$wait(0)"]) {
      const env = await rawQuery(emu.url, token, sql);
      expect([sql, env.success, env.data.queryResultFormat]).toEqual([sql, true, 'json']);
      expect(Array.isArray(env.data.rowset)).toBe(true);
    }
  });

  it('follows the format parameters: login session parameters, ALTER SESSION, QUERY_RESULT_FORMAT and statement parameters', async () => {
    const viaLogin = await rawLoginAs(emu.url, 'bob', 's3cret', 'JDBC', { JDBC_QUERY_RESULT_FORMAT: 'JSON' });
    expect((await rawQuery(emu.url, viaLogin, 'select 1')).data.queryResultFormat).toBe('json');

    const go = await rawLoginAs(emu.url, 'bob', 's3cret', 'Go');
    expect((await rawQuery(emu.url, go, "alter session set GO_QUERY_RESULT_FORMAT = 'JSON'")).success).toBe(true);
    expect((await rawQuery(emu.url, go, 'select 1')).data.queryResultFormat).toBe('json');

    const node = await rawLoginAs(emu.url, 'bob', 's3cret', 'JavaScript');
    await rawQuery(emu.url, node, "alter session set QUERY_RESULT_FORMAT = 'ARROW'");
    expect((await rawQuery(emu.url, node, 'select 1')).data.queryResultFormat).toBe('arrow');

    const py = await rawLoginAs(emu.url, 'bob', 's3cret', 'PythonConnector');
    const perStatement = await rawQuery(emu.url, py, 'select 1', { parameters: { PYTHON_CONNECTOR_QUERY_RESULT_FORMAT: 'JSON' } });
    expect(perStatement.data.queryResultFormat).toBe('json');
    expect(perStatement.data.rowset).toEqual([['1']]);
  });

  it('answers an empty Arrow result with an empty rowsetBase64 and the rowtype', async () => {
    const token = await rawLoginAs(emu.url, 'bob', 's3cret', 'JDBC');
    const env = await rawQuery(emu.url, token, 'select * from DB.PUBLIC.T where ID < 0');
    expect(env.data.queryResultFormat).toBe('arrow');
    expect(env.data.rowsetBase64).toBe('');
    expect((env.data.rowtype as unknown[]).length).toBe(3);
  });
});

describe('timestamps by precision', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ account: 'SNOWTRAIL', users: [{ name: 'bob', password: 's3cret' }] });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('answers millisecond and second timestamps as TIMESTAMP_NTZ(3) and (0): scaled int64 in Arrow, scale digits in JSON', async () => {
    const sql = "select '2024-01-01 12:34:56.789'::TIMESTAMP_MS as ms, '2024-01-01 12:34:56'::TIMESTAMP_S as s";
    const json = await rawQuery(emu.url, await rawLoginAs(emu.url, 'bob', 's3cret', 'JavaScript'), sql);
    expect((json.data.rowtype as { scale: number }[]).map((r) => r.scale)).toEqual([3, 0]);
    expect(json.data.rowset).toEqual([['1704112496.789', '1704112496']]);
    const arrow = await rawQuery(emu.url, await rawLoginAs(emu.url, 'bob', 's3cret', 'Go'), sql);
    expect(await arrowRows(arrow)).toEqual([[1_704_112_496_789n, 1_704_112_496n]]);
  });
});
