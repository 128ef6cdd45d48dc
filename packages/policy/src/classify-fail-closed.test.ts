import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';

/**
 * What the classifier reports for the constructs that used to slip through: names it cannot resolve,
 * functions, aliases that look like clause keywords, CREATE options inside the query body, quoted
 * identifiers and the context of each `->>` link.
 */
const ctx = { database: 'PIPE', schema: 'WORK' };
const one = (sql: string) => {
  const all = classifySql(sql, ctx);
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('fail-closed classification', () => {
  it.each([
    ["SELECT * FROM TABLE('raw.s.t')", 'unresolved://table_literal'],
    ['SELECT * FROM TABLE($t)', 'unresolved://variable_name'],
    ['SELECT * FROM TABLE(?)', 'unresolved://bind_name'],
    ['SELECT * FROM TABLE(:1)', 'unresolved://bind_name'],
    ['SELECT * FROM IDENTIFIER(:v)', 'unresolved://variable_name'],
    ["SELECT * FROM IDENTIFIER('raw.' || $s)", 'unresolved://expression_name'],
    ['SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))', 'unresolved://result_scan'],
    ['SELECT * FROM $t', 'unresolved://variable_name'],
  ])('%s reads %s', (sql, object) => {
    expect(one(sql).reads).toContain(object);
  });

  it('reports table functions and semantic views as the objects they name', () => {
    expect(one('SELECT * FROM TABLE(my_udtf(1))').reads).toEqual(['PIPE.WORK.MY_UDTF']);
    expect(one('SELECT * FROM TABLE(raw.s.leak())').reads).toEqual(['RAW.S.LEAK']);
    expect(one('SELECT * FROM SEMANTIC_VIEW(raw.s.sv METRICS m)').reads).toEqual(['RAW.S.SV']);
    expect(one('SELECT * FROM TABLE(FLATTEN(input => parse_json(1)))').reads).toEqual([]);
    expect(one('SELECT * FROM TABLE(GENERATOR(ROWCOUNT => 3))').reads).toEqual([]);
  });

  it('classifies SYSTEM$ and secret-returning functions wherever they are called', () => {
    expect(one('SELECT SYSTEM$TYPEOF(1)').reads).toEqual(['function://read_only/SYSTEM$TYPEOF']);
    expect(one("SELECT 1 FROM raw.s.t WHERE SYSTEM$SEND_EMAIL('i','a','b','c') IS NULL").reads).toEqual(['RAW.S.T', 'function://external_calling/SYSTEM$SEND_EMAIL']);
    expect(one('CALL SYSTEM$ABORT_SESSION(1)')).toMatchObject({ class: 'CALL', reads: ['function://account_changing/SYSTEM$ABORT_SESSION'] });
    expect(one('SELECT SYSTEM$BRAND_NEW()').reads).toEqual(['function://unknown_system/SYSTEM$BRAND_NEW']);
    expect(one('SELECT upper(x), count(*) FROM raw.s.t').reads).toEqual(['RAW.S.T']);
    expect(one('CALL raw.s.p()')).toMatchObject({ class: 'CALL', reads: ['RAW.S.P'], dynamic: true });
  });

  it.each(['limit', 'offset', 'fetch', 'window', 'except', 'returning', 'do'])('an alias named %s does not end the FROM list', (alias) => {
    expect(one(`SELECT * FROM a ${alias}, secret.s.t`).reads.sort()).toEqual(['PIPE.WORK.A', 'SECRET.S.T']);
  });

  it('reads CREATE options only before the AS body and never from a dotted name', () => {
    expect(one('CREATE TABLE x AS SELECT * FROM raw.public.accounts a JOIN raw.public.o ON a.id = o.id')).toMatchObject({ reads: ['RAW.PUBLIC.ACCOUNTS', 'RAW.PUBLIC.O'], writes: ['PIPE.WORK.X'] });
    expect(one("CREATE VIEW v AS SELECT * FROM raw.public.links WHERE url = 's3://b/'")).toMatchObject({ reads: ['RAW.PUBLIC.LINKS'], writes: ['PIPE.WORK.V'] });
    expect(one('CREATE TABLE c AS SELECT 1 AS clone FROM raw.s.t')).toMatchObject({ reads: ['RAW.S.T'], writes: ['PIPE.WORK.C'] });
    expect(one("CREATE STAGE s URL = 's3://b/'").writes).toContain('s3://b/');
    expect(one('CREATE TABLE c CLONE raw.s.t').reads).toEqual(['RAW.S.T']);
  });

  it('keeps quoted identifiers exact and folds them after QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE', () => {
    expect(one('SELECT * FROM "raw"."public"."t"').reads).toEqual(['"raw"."public"."t"']);
    const [set, read] = classifySql('ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE; SELECT * FROM "raw"."public"."t"', ctx);
    expect(set).toMatchObject({ changesIdentifierCase: true, contextAfter: { quotedIdentifiersIgnoreCase: true } });
    expect(read!.reads).toEqual(['RAW.PUBLIC.T']);
  });

  it('classifies each ->> link in the context the links before it leave', () => {
    const s = one('SELECT 1 ->> USE SCHEMA raw.secret ->> SELECT * FROM keys');
    expect(s.inner!.map((i) => i.reads)).toEqual([[], ['RAW.SECRET.KEYS']]);
    expect(s.contextAfter).toMatchObject({ database: 'RAW', schema: 'SECRET' });
  });

  it('switches to a database or schema a CREATE makes current, as Snowflake does', () => {
    expect(classifySql('CREATE SCHEMA staging; CREATE TABLE t AS SELECT 1', ctx)[1]!.writes).toEqual(['PIPE.STAGING.T']);
    expect(classifySql('CREATE OR REPLACE DATABASE scratch; SELECT * FROM t', ctx)[1]!.reads).toEqual(['SCRATCH.PUBLIC.T']);
    expect(classifySql('CREATE SCHEMA IF NOT EXISTS raw.s; SELECT * FROM t', ctx)[1]!.reads).toEqual(['"?"."?".T']);
    expect(classifySql('CREATE TABLE x (a INT); SELECT * FROM t', ctx)[1]!.reads).toEqual(['PIPE.WORK.T']);
    expect(classifySql("EXECUTE IMMEDIATE 'CREATE SCHEMA s2'; SELECT * FROM t", ctx)[1]!.reads).toEqual(['"?"."?".T']);
  });

  it('resolves the rest of a block in an unknown context after a USE inside it', () => {
    expect(one('BEGIN USE SCHEMA raw.secret; SELECT * FROM keys; END').reads).toEqual(['"?"."?".KEYS']);
  });

  it('records what a USE switches, for the sidecar pin', () => {
    expect(one('use role "Analyst"').use).toEqual({ kind: 'ROLE', name: '"Analyst"' });
    expect(one('USE WAREHOUSE big').use).toEqual({ kind: 'WAREHOUSE', name: 'BIG' });
    expect(one('use secondary roles all').use).toEqual({ kind: 'SECONDARY ROLES', name: 'ALL' });
  });

  it('marks statements that open a path out of the account', () => {
    expect(one('ALTER REPLICATION GROUP g ADD db TO ALLOWED_DATABASES').egress).toBe('REPLICATION GROUP');
    expect(one('ALTER DATABASE raw ENABLE REPLICATION TO ACCOUNTS o.a').egress).toBe('DATABASE REPLICATION');
    expect(one("ALTER USER u SET RSA_PUBLIC_KEY = 'k'").egress).toBe('USER CREDENTIAL');
    expect(one('ALTER USER u SET DEFAULT_ROLE = r').egress).toBeUndefined();
  });
});
