import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';
import { isEffectFree } from './effect-free.js';

const ctx = { database: 'ANALYTICS', schema: 'PUBLIC' };
const effectFree = (sql: string): boolean => isEffectFree(classifySql(sql, ctx));

describe('isEffectFree: only statements whose one outcome is their answer', () => {
  it.each([
    'SELECT 1',
    'select id, amount from raw.public.orders where id > 10 order by 1',
    'WITH a AS (SELECT * FROM raw.public.orders) SELECT count(*) FROM a',
    'SHOW TABLES IN SCHEMA raw.public',
    'DESCRIBE TABLE raw.public.orders',
    'EXPLAIN USING JSON SELECT * FROM raw.public.orders',
    'SELECT SYSTEM$TYPEOF(1)',
    'SELECT 1; SELECT 2',
  ])('effect-free: %s', (sql) => {
    expect(effectFree(sql)).toBe(true);
  });

  it.each([
    'INSERT INTO raw.public.orders VALUES (1)',
    'CREATE TABLE analytics.public.t AS SELECT * FROM raw.public.orders',
    'DELETE FROM raw.public.orders',
    'COPY INTO @raw.public.out FROM raw.public.orders',
    'SELECT 1; DROP TABLE raw.public.orders',
    'SELECT SYSTEM$CANCEL_ALL_QUERIES(1)',
    'SELECT SYSTEM$GET_SECRET(\'s\')',
    'SELECT SYSTEM$SOMETHING_NEW()',
    'SELECT 1 ->> DELETE FROM raw.public.orders',
    'CALL raw.public.proc()',
    "EXECUTE IMMEDIATE 'SELECT 1'",
    'EXECUTE IMMEDIATE $x',
    'BEGIN SELECT 1; END',
    'USE SCHEMA raw.public',
    'ALTER SESSION SET QUERY_TAG = \'x\'',
    'GET @raw.public.st/file.csv file:///tmp/',
    'PUT file:///tmp/f.csv @raw.public.st',
    'BEGIN',
    '',
    // Written to look like a read.
    'select 1 /* harmless */ ; dElEtE from raw.public.orders',
    'SELECT 1 -- just a read\n; INSERT INTO raw.public.orders VALUES (1)',
    'WITH x AS (SELECT 1) INSERT INTO raw.public.orders SELECT * FROM x',
    'SELECT 1 ->> /* then */ DROP TABLE raw.public.orders',
    "SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) ; COPY INTO 's3://x/y' FROM raw.public.orders",
    'select SyStEm$cancel_all_queries(1)',
  ])('not effect-free: %s', (sql) => {
    expect(effectFree(sql)).toBe(false);
  });
});
