import { describe, expect, it } from '@jest/globals';
import { formatDecimal, formatNanos, formatTimestampTz } from './encode.js';
import { mapDuckDbError } from './error-map.js';
import { splitStatements, tokenize } from './lexer.js';
import { planStatement, type SessionNames } from './translate.js';

const names: SessionNames = { warehouse: 'WH', database: 'DB', schema: 'PUBLIC', role: 'ANALYST', user: 'ALICE', account: 'ACME', sessionId: '7' };
const sql = (text: string): string => {
  const p = planStatement(text, names);
  if (p.kind !== 'sql') throw new Error(`expected sql plan, got ${p.kind}`);
  return p.sql;
};

describe('lexer', () => {
  it('round-trips the source text', () => {
    const text = `select 'a;b' as "x;y", $$c;d$$ -- e;f\n/* g;h */ from t where a = :1 and b = ?`;
    expect(tokenize(text).map((t) => t.text).join('')).toBe(text);
  });
  it('splits statements on top-level semicolons only', () => {
    expect(splitStatements("select 'a;b'; select 2 ; -- only a comment;\n select \"x;\" from t;")).toEqual([
      "select 'a;b'",
      'select 2',
      '-- only a comment;\n select "x;" from t',
    ]);
  });
});

describe('translation', () => {
  it('upper-cases unquoted identifiers and leaves strings and quoted identifiers alone', () => {
    expect(sql(`select id, "Mixed", 'Lower' from orders`)).toBe(`SELECT ID, "Mixed", 'Lower' FROM ORDERS`);
  });
  it('replaces session functions with the session values', () => {
    expect(sql('select current_warehouse(), current_database(), current_schema(), current_role(), current_user')).toBe(
      "SELECT 'WH', 'DB', 'PUBLIC', 'ANALYST', 'ALICE'",
    );
    expect(planStatement('select current_warehouse()', { ...names, warehouse: null })).toEqual({ kind: 'sql', sql: 'SELECT CAST(NULL AS VARCHAR)' });
  });
  it('maps Snowflake types only where a type is expected', () => {
    expect(sql('select x::variant, cast(y as number), z::timestamp_ntz, 1 as number')).toBe(
      'SELECT X::JSON, CAST(Y AS DECIMAL(38,0)), Z::TIMESTAMP, 1 AS NUMBER',
    );
    expect(sql('create table t (number number(10,2), s string, v variant, ts timestamp_ltz)')).toBe(
      'CREATE TABLE T (NUMBER DECIMAL(10,2), S VARCHAR, V JSON, TS TIMESTAMPTZ)',
    );
  });
  it('resolves IDENTIFIER(), :N binds, backslash escapes and function renames', () => {
    expect(sql("select * from identifier('db.public.\"Tbl\"') where a = :1 and b = 'it\\'s' and c = iff(d, 1, 2)")).toBe(
      `SELECT * FROM "DB"."PUBLIC"."Tbl" WHERE A = $1 AND B = 'it''s' AND C = IF(D, 1, 2)`,
    );
  });
  it('turns bare date parts into strings for DATEADD, DATEDIFF, DATE_TRUNC', () => {
    expect(sql("select dateadd(day, 1, d), datediff('month', a, b), date_trunc(month, ts), day from t")).toBe(
      "SELECT DATEADD('DAY', 1, D), DATEDIFF('month', A, B), DATE_TRUNC('MONTH', TS), DAY FROM T",
    );
  });
  it('rewrites TRANSIENT, CLONE, INSERT OVERWRITE and seq.NEXTVAL', () => {
    expect(sql('create or replace transient table t (a int)')).toBe('CREATE OR REPLACE TABLE T (A BIGINT)');
    expect(sql('create table t2 clone db.s.t')).toBe('CREATE TABLE T2 AS SELECT * FROM DB.S.T');
    expect(planStatement('insert overwrite into t select 1', names)).toEqual({ kind: 'sql', sql: 'INSERT INTO T SELECT 1', before: ['DELETE FROM T'] });
    expect(sql('select s1.nextval, db.s.seq.nextval')).toBe("SELECT NEXTVAL('S1'), NEXTVAL('DB.S.SEQ')");
  });
  it('plans USE, SHOW, DESCRIBE, database DDL and SYSTEM$WAIT', () => {
    expect(planStatement('use warehouse my_wh', names)).toEqual({ kind: 'use', object: 'warehouse', name: ['MY_WH'] });
    expect(planStatement('use "Db"."s"', names)).toEqual({ kind: 'use', object: 'schema', name: ['Db', 's'] });
    expect(planStatement("show terse tables like 'O%' in schema db.raw", names)).toEqual({
      kind: 'show',
      object: 'tables',
      like: 'O%',
      scope: ['DB', 'RAW'],
      scopeKind: 'schema',
    });
    expect(planStatement('desc table raw.orders', names)).toEqual({ kind: 'describe', table: ['RAW', 'ORDERS'] });
    expect(planStatement('create or replace database lab', names)).toEqual({ kind: 'createDatabase', name: 'LAB', orReplace: true, ifNotExists: false });
    expect(planStatement('call system$wait(2)', names)).toEqual({ kind: 'wait', seconds: 2, column: 'SYSTEM$WAIT' });
    expect(planStatement("select system$wait(500, 'MILLISECONDS')", names)).toEqual({ kind: 'wait', seconds: 0.5, column: "SYSTEM$WAIT(500, 'MILLISECONDS')" });
    expect(planStatement("select system$wait(1, 'MINUTES') ;", names)).toEqual({ kind: 'wait', seconds: 60, column: "SYSTEM$WAIT(1, 'MINUTES')" });
    expect(planStatement('select system$wait(1) + 1', names).kind).toBe('sql');
    expect(planStatement("alter session set timezone = 'UTC', multi_statement_count = 0", names)).toEqual({
      kind: 'alterSession',
      set: { TIMEZONE: 'UTC', MULTI_STATEMENT_COUNT: 0 },
      unset: [],
    });
    expect(planStatement('alter warehouse w suspend', names).kind).toBe('status');
  });
});

describe('cell encoding (docs/protocol.md §4.4)', () => {
  it('formats decimals, times and timestamps', () => {
    expect(formatDecimal(12345n, 2)).toBe('123.45');
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
    expect(formatNanos(3723_000_000_000n)).toBe('3723.000000000');
    expect(formatNanos(1_704_067_200_123_456_789n)).toBe('1704067200.123456789');
    expect(formatNanos(1_704_067_200_123_000_000n, 3)).toBe('1704067200.123');
    expect(formatNanos(-1_500_000_000n, 3)).toBe('-1.500');
    expect(formatNanos(1_704_067_200_000_000_000n, 0)).toBe('1704067200');
    expect(formatTimestampTz(1_704_067_200_000_000_000n, 60)).toBe('1704067200.000000000 1500');
  });
});

describe('DuckDB error mapping', () => {
  it.each([
    ['Parser Error: syntax error at or near "SELEC"', '001003', '42000'],
    ['Catalog Error: Table with name NOPE does not exist!\nDid you mean "X"?', '002003', '42S02'],
    ['Binder Error: Referenced column "Y" not found in FROM clause!', '000904', '42000'],
    ['Conversion Error: Could not convert string \'a\' to INT64', '100038', '22018'],
    ['INTERRUPT Error: Interrupted!', '000604', '57014'],
    ['Something odd', '000603', 'XX000'],
  ])('%s → %s/%s', (message, code, sqlState) => {
    expect(mapDuckDbError(new Error(message))).toMatchObject({ sfCode: code, sqlState });
  });
});
