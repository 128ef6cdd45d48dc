import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';
import { decide } from './decide.js';
import { statementPolicySchema, type StatementPolicy } from './rules-schema.js';

const ctx = { database: 'PIPELINE', schema: 'WORK' };

/** A realistic pipeline policy: read RAW, transform into ANALYTICS (reading only RAW/ANALYTICS), session statements fine, nothing else. */
const pipeline: StatementPolicy = statementPolicySchema.parse({
  name: 'etl',
  defaultAction: 'deny',
  statements: [
    { name: 'session', action: 'allow', classes: ['SESSION', 'SHOW', 'DESCRIBE'] },
    { name: 'no-pii', action: 'deny', objects: ['RAW.PII.*'], access: 'read', reason: 'PII tables are off limits for this pipeline' },
    { name: 'read-raw', action: 'allow', classes: ['SELECT'], objects: ['RAW.**'], access: 'read' },
    { name: 'raw-is-read-only', action: 'deny', classes: ['DML', 'DDL'], objects: ['RAW.**'], access: 'write' },
    { name: 'transform', action: 'allow', classes: ['DML', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['ANALYTICS.**', 'RAW.**'] },
  ],
});

const allowAll: StatementPolicy = statementPolicySchema.parse({ defaultAction: 'allow' });

function d(sql: string, policy = pipeline) {
  return decide(classifySql(sql, ctx), policy);
}

describe('decide', () => {
  it('allows a pipeline reading RAW and writing ANALYTICS', () => {
    expect(d('SELECT * FROM raw.sales.orders')).toMatchObject({ action: 'allow', reasonKey: 'rule_allowed', rule: 'read-raw' });
    expect(d('INSERT INTO analytics.mart.daily SELECT * FROM raw.sales.orders')).toMatchObject({ action: 'allow', rule: 'transform' });
    expect(d('USE SCHEMA raw.sales; SELECT count(*) FROM orders')).toMatchObject({ action: 'allow' });
  });

  it('denies a read outside RAW even when joined with an allowed table', () => {
    const r = d('SELECT * FROM raw.sales.orders o JOIN finance.gl.entries e ON o.id = e.id');
    expect(r).toMatchObject({ action: 'deny', reasonKey: 'default_denied', statementIndex: 0 });
  });

  it('denies writes outside ANALYTICS and transforms reading outside RAW/ANALYTICS', () => {
    expect(d('DELETE FROM raw.sales.orders')).toMatchObject({ action: 'deny', reasonKey: 'rule_denied', rule: 'raw-is-read-only' });
    expect(d('INSERT INTO finance.gl.entries SELECT * FROM raw.sales.orders')).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('INSERT INTO analytics.mart.x SELECT * FROM finance.gl.entries')).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
  });

  it('denies every exfiltration class even when the default is allow', () => {
    for (const sql of ['COPY INTO @out FROM t', "COPY INTO 's3://b/x' FROM t", 'GET @s file:///tmp', 'PUT file:///x @s', "CREATE STAGE s URL='s3://b'", 'CREATE STORAGE INTEGRATION i TYPE = EXTERNAL_STAGE', 'CREATE SHARE sh', 'GRANT SELECT ON TABLE t TO SHARE sh']) {
      expect(d(sql, allowAll)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
    }
  });

  it('denies a request when a later statement smuggles an unload', () => {
    const r = d('SELECT * FROM raw.sales.orders; COPY INTO @leak FROM raw.sales.orders', allowAll);
    expect(r).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied', statementIndex: 1, statementClass: 'COPY_INTO_LOCATION' });
  });

  it('sees an unload inside EXECUTE IMMEDIATE and inside a task body', () => {
    expect(d("EXECUTE IMMEDIATE 'COPY INTO @leak FROM t'", allowAll)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
    expect(d('CREATE TASK t1 SCHEDULE = \'1 minute\' AS COPY INTO @leak FROM t', allowAll)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
  });

  it('lets an explicit rule allow an unload to one stage only', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'allow',
      statements: [
        { name: 'export', action: 'allow', classes: ['COPY_INTO_LOCATION'], objects: ['@ANALYTICS.EXPORT.*'], access: 'write' },
        { name: 'export-source', action: 'allow', classes: ['COPY_INTO_LOCATION'], objects: ['ANALYTICS.MART.DAILY'], access: 'read' },
      ],
    });
    expect(d('COPY INTO @analytics.export.out FROM analytics.mart.daily', p)).toMatchObject({ action: 'allow', rule: 'export' });
    expect(d('COPY INTO @analytics.other.out FROM analytics.mart.daily', p)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
    // the stage is allowed, but what is read into it must be allowed for reading by a rule naming the class too
    expect(d('COPY INTO @analytics.export.out FROM raw.secret.keys', p)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
  });

  it('uses the rule reason for a matching deny rule', () => {
    expect(d('SELECT * FROM raw.pii.people')).toMatchObject({ action: 'deny', reasonKey: 'rule_denied', reason: 'PII tables are off limits for this pipeline', rule: 'no-pii' });
  });

  const PIPELINE_CASES: [sql: string, action: 'allow' | 'deny', reasonKey: string, rule?: string, statementIndex?: number][] = [
    ['SELECT * FROM raw.sales.orders', 'allow', 'rule_allowed', 'read-raw'],
    ['select count(*) from RAW.SALES.ORDERS o join raw.crm.customers c on o.cid = c.id', 'allow', 'rule_allowed', 'read-raw'],
    ['WITH x AS (SELECT * FROM raw.s.t) SELECT * FROM x', 'allow', 'rule_allowed', 'read-raw'],
    ['SELECT 1', 'allow', 'rule_allowed', 'read-raw'],
    ['USE SCHEMA raw.sales; SELECT * FROM orders', 'allow', 'rule_allowed', 'session', 0],
    ['SHOW TABLES IN SCHEMA raw.sales', 'allow', 'rule_allowed', 'session'],
    ['DESCRIBE TABLE raw.sales.orders', 'allow', 'rule_allowed', 'session'],
    ['INSERT INTO analytics.mart.daily SELECT * FROM raw.sales.orders', 'allow', 'rule_allowed', 'transform'],
    ['MERGE INTO analytics.mart.c t USING raw.crm.c s ON t.id = s.id WHEN MATCHED THEN DELETE', 'allow', 'rule_allowed', 'transform'],
    ['CREATE OR REPLACE TABLE analytics.staging.tmp AS SELECT * FROM raw.s.t', 'allow', 'rule_allowed', 'transform'],
    ['CREATE VIEW analytics.mart.v AS SELECT * FROM raw.s.t', 'allow', 'rule_allowed', 'transform'],
    ["DELETE FROM analytics.mart.daily WHERE d < '2024-01-01'", 'allow', 'rule_allowed', 'transform'],
    ['TRUNCATE TABLE analytics.staging.tmp', 'allow', 'rule_allowed', 'transform'],
    ['BEGIN; INSERT INTO analytics.m.t VALUES (1); COMMIT', 'allow', 'rule_allowed', 'session', 0],
    ['SELECT * FROM raw.s.t JOIN raw.pii.people p ON t.id = p.id', 'deny', 'rule_denied', 'no-pii', 0],
    ['INSERT INTO analytics.m.t SELECT * FROM raw.pii.people', 'deny', 'rule_denied', 'no-pii', 0],
    ['SELECT * FROM finance.gl.entries', 'deny', 'default_denied', undefined, 0],
    ['SELECT * FROM IDENTIFIER($t)', 'deny', 'unresolved_object_denied', undefined, 0],
    ['INSERT INTO raw.sales.orders SELECT * FROM raw.sales.staged', 'deny', 'rule_denied', 'raw-is-read-only', 0],
    ['INSERT INTO analytics.m.x SELECT * FROM finance.gl.e', 'deny', 'default_denied', undefined, 0],
    ['DROP TABLE analytics.mart.daily', 'deny', 'default_denied', undefined, 0],
    ['CALL analytics.m.refresh()', 'deny', 'dynamic_sql_denied', undefined, 0],
    ["EXECUTE IMMEDIATE 'SELECT * FROM raw.s.t'", 'deny', 'default_denied', undefined, 0],
    ['CREATE TASK analytics.m.t1 AS INSERT INTO analytics.m.t SELECT 1', 'deny', 'default_denied', undefined, 0],
    ["SELECT GET_PRESIGNED_URL(@raw.s.landing, 'f.csv')", 'deny', 'exfiltration_denied', undefined, 0],
    ['COPY INTO @analytics.m.out FROM analytics.m.t', 'deny', 'exfiltration_denied', undefined, 0],
    ["COPY INTO 's3://x/' FROM raw.s.t", 'deny', 'exfiltration_denied', undefined, 0],
    ['GET @raw.s.landing file:///tmp', 'deny', 'exfiltration_denied', undefined, 0],
    ['PUT file:///x.csv @raw.s.landing', 'deny', 'exfiltration_denied', undefined, 0],
    ['CREATE STAGE analytics.m.st', 'deny', 'exfiltration_denied', undefined, 0],
    ['GRANT SELECT ON TABLE analytics.m.t TO SHARE s', 'deny', 'exfiltration_denied', undefined, 0],
    ['SELECT * FROM raw.s.t; /* later */ copy into @x from raw.s.t', 'deny', 'exfiltration_denied', undefined, 1],
    ['EXECUTE IMMEDIATE :q', 'deny', 'dynamic_sql_denied', undefined, 0],
    ["ALTER SESSION SET SEARCH_PATH = 'raw.pii'", 'deny', 'search_path_denied', undefined, 0],
  ];

  it.each(PIPELINE_CASES.map(([sql, action, reasonKey, rule, statementIndex]) => ({ sql, action, reasonKey, rule, statementIndex: statementIndex ?? 0 })))(
    'pipeline policy: $sql → $action $reasonKey',
    ({ sql, action, reasonKey, rule, statementIndex }) => {
      const r = d(sql);
      expect({ action: r.action, reasonKey: r.reasonKey, rule: r.rule, statementIndex: r.statementIndex }).toEqual({ action, reasonKey, rule, statementIndex });
    },
  );

  it('does not let a rule without classes allow exfiltration: only a rule naming the class or group does', () => {
    const broad = statementPolicySchema.parse({ defaultAction: 'deny', statements: [{ name: 'raw-anything', action: 'allow', objects: ['RAW.**', '@RAW.**'] }] });
    expect(d('SELECT * FROM raw.s.t', broad)).toMatchObject({ action: 'allow', rule: 'raw-anything' });
    expect(d('COPY INTO @raw.s.out FROM raw.s.t', broad)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
    const byGroup = statementPolicySchema.parse({ defaultAction: 'deny', statements: [{ name: 'exports', action: 'allow', classes: ['EXFILTRATION'], objects: ['RAW.**', '@RAW.**'] }] });
    expect(d('COPY INTO @raw.s.out FROM raw.s.t', byGroup)).toMatchObject({ action: 'allow', rule: 'exports' });
  });

  it('treats a write to an external location as exfiltration whatever the class', () => {
    const r = d("CREATE EXTERNAL FUNCTION f(x VARCHAR) RETURNS VARIANT API_INTEGRATION = api AS 'https://collector.example.com/x'", allowAll);
    expect(r).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied', statementClass: 'CREATE_FUNCTION' });
  });

  it('denies EXECUTE IMMEDIATE of run-time text unless a rule names EXECUTE_IMMEDIATE or DYNAMIC', () => {
    expect(d('EXECUTE IMMEDIATE :stmt', allowAll)).toMatchObject({ action: 'deny', reasonKey: 'dynamic_sql_denied' });
    expect(d("EXECUTE IMMEDIATE 'SELECT 1'", allowAll)).toMatchObject({ action: 'allow' });
    const dyn = statementPolicySchema.parse({ defaultAction: 'allow', statements: [{ name: 'scripts', action: 'allow', classes: ['DYNAMIC'] }] });
    expect(d('EXECUTE IMMEDIATE :stmt', dyn)).toMatchObject({ action: 'allow', rule: 'scripts' });
  });

  it('matches deny rules on any object and allow rules on every object of the chosen access set', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'allow',
      statements: [
        { name: 'no-write-raw', action: 'deny', classes: ['DML'], objects: ['RAW.**'], access: 'write' },
        { name: 'no-read-finance', action: 'deny', objects: ['FINANCE.**'], access: 'read' },
      ],
    });
    expect(d('INSERT INTO analytics.m.t SELECT * FROM raw.s.t', p)).toMatchObject({ action: 'allow', reasonKey: 'default_allowed' });
    expect(d('INSERT INTO raw.s.t SELECT * FROM analytics.m.t', p)).toMatchObject({ action: 'deny', rule: 'no-write-raw' });
    expect(d('SELECT * FROM analytics.m.t JOIN finance.gl.e ON true', p)).toMatchObject({ action: 'deny', rule: 'no-read-finance' });
    expect(d('DELETE FROM finance.gl.e', p)).toMatchObject({ action: 'allow' });
  });

  it('checks every read on every rule: a write rule cannot launder a read', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [
        { name: 'read', action: 'allow', classes: ['SELECT', 'CREATE_TABLE', 'INSERT'], objects: ['RAW.PUBLIC.*'], access: 'read' },
        { name: 'write', action: 'allow', classes: ['CREATE_TABLE', 'INSERT'], objects: ['ANALYTICS.PUBLIC.*'], access: 'write' },
      ],
    });
    expect(d('CREATE TABLE analytics.public.x AS SELECT * FROM raw.public.orders', p)).toMatchObject({ action: 'allow', reasonKey: 'rule_allowed' });
    const laundered = d('CREATE TABLE analytics.public.x AS SELECT * FROM secret.s.keys', p);
    expect(laundered).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(laundered.reason).toBe('CREATE_TABLE statement reads SECRET.S.KEYS, which no rule allows for reading');
    expect(d('INSERT INTO analytics.public.x SELECT * FROM secret.s.keys', p)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('INSERT INTO raw.public.orders SELECT * FROM raw.public.orders', p)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    // an allow rule without objects still speaks only for its side; a deny rule without objects denies every object
    const sides = statementPolicySchema.parse({ defaultAction: 'deny', statements: [{ name: 'insert-writes', action: 'allow', classes: ['INSERT'], access: 'write' }] });
    expect(d('INSERT INTO analytics.public.x SELECT * FROM secret.s.keys', sides)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('INSERT INTO analytics.public.x VALUES (1)', sides)).toMatchObject({ action: 'allow', rule: 'insert-writes' });
    const noInsert = statementPolicySchema.parse({ defaultAction: 'allow', statements: [{ name: 'no-insert', action: 'deny', classes: ['INSERT'], access: 'read' }] });
    expect(d('INSERT INTO analytics.public.x VALUES (1)', noInsert)).toMatchObject({ action: 'deny', rule: 'no-insert' });
  });

  it('allows an unresolved name or a guarded function only by a rule whose pattern names it', () => {
    const broad = statementPolicySchema.parse({ defaultAction: 'allow', statements: [{ name: 'all-selects', action: 'allow', classes: ['SELECT'] }] });
    expect(d('SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))', broad)).toMatchObject({ action: 'deny', reasonKey: 'unresolved_object_denied' });
    expect(d("SELECT SYSTEM$SEND_EMAIL('i', 'a', 'b', 'c')", broad)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
    expect(d('SELECT SYSTEM$TYPEOF(1)', broad)).toMatchObject({ action: 'allow', rule: 'all-selects' });
    const named = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [{ name: 'scan', action: 'allow', classes: ['SELECT'], objects: ['unresolved://result_scan', 'function://external_calling/SYSTEM$SEND_EMAIL'], access: 'read' }],
    });
    expect(d('SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))', named)).toMatchObject({ action: 'allow', rule: 'scan' });
    expect(d("SELECT SYSTEM$SEND_EMAIL('i', 'a', 'b', 'c')", named)).toMatchObject({ action: 'allow', rule: 'scan' });
    expect(d("SELECT * FROM TABLE('x')", named)).toMatchObject({ action: 'deny', reasonKey: 'unresolved_object_denied' });
  });

  it('follows the schema a CREATE SCHEMA makes current: the next unqualified write lands there', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [
        { name: 'use', action: 'allow', classes: ['USE'] },
        { name: 'schemas', action: 'allow', classes: ['CREATE_SCHEMA'], objects: ['ANALYTICS.*'] },
        { name: 'tables', action: 'allow', classes: ['CREATE_TABLE'], objects: ['ANALYTICS.PUBLIC.*'] },
      ],
    });
    expect(d('USE SCHEMA analytics.public; CREATE TABLE t AS SELECT 1', p)).toMatchObject({ action: 'allow' });
    expect(d('USE SCHEMA analytics.public; CREATE SCHEMA analytics.elsewhere; CREATE TABLE t AS SELECT 1', p)).toMatchObject({ action: 'deny', reasonKey: 'default_denied', statementIndex: 2 });
  });

  it('compares allow patterns exactly and deny patterns ignoring case', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [
        { name: 'no-secret', action: 'deny', objects: ['RAW.SECRET.*'] },
        { name: 'raw', action: 'allow', classes: ['SELECT'], objects: ['RAW.**', '"raw".**'] },
      ],
    });
    expect(d('SELECT * FROM "raw".public.t', p)).toMatchObject({ action: 'allow', rule: 'raw' });
    expect(d('SELECT * FROM "raw"."secret".t', p)).toMatchObject({ action: 'deny', rule: 'no-secret' });
    expect(d('SELECT * FROM "Raw".public.t', p)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
  });

  it('names where a denied inner statement sits', () => {
    const r = d("SELECT 1; EXECUTE IMMEDIATE $$ BEGIN SELECT 1; GET @s file:///tmp; END $$", allowAll);
    expect(r).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied', statementIndex: 1, statementClass: 'GET' });
    expect(r.reason).toContain('inside a scripting block');
  });

  it('decides the first matching rule in order', () => {
    const p = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [
        { name: 'deny-pii', action: 'deny', objects: ['RAW.PII.*'], reason: 'no PII' },
        { name: 'read-raw', action: 'allow', classes: ['READ'], objects: ['RAW.**'] },
      ],
    });
    expect(d('SELECT * FROM raw.pii.people', p)).toMatchObject({ action: 'deny', reasonKey: 'rule_denied', reason: 'no PII' });
    expect(d('SELECT * FROM raw.sales.orders', p)).toMatchObject({ action: 'allow', rule: 'read-raw' });
    expect(d('DROP TABLE raw.sales.orders', p)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
  });

  it('allows an empty request (nothing to run) and reports the first statement when all are allowed', () => {
    expect(decide([], pipeline)).toMatchObject({ action: 'allow', reasonKey: 'empty_request' });
    expect(d('USE SCHEMA raw.sales; SELECT 1')).toMatchObject({ action: 'allow', statementIndex: 0, rule: 'session' });
  });

  it('decides as docs/policy.md says for its example policy', () => {
    const doc = statementPolicySchema.parse({
      defaultAction: 'deny',
      statements: [
        { name: 'session', action: 'allow', classes: ['SESSION', 'SHOW', 'DESCRIBE'] },
        { name: 'session-parameters', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUERY_TAG', 'session://TIMEZONE'], access: 'write' },
        { name: 'no-pii', action: 'deny', objects: ['RAW.PII.**'], access: 'read', reason: 'PII tables are off limits for this pipeline' },
        { name: 'read-raw', action: 'allow', classes: ['SELECT'], objects: ['RAW.**'], access: 'read' },
        { name: 'load-landing', action: 'allow', classes: ['COPY_INTO_TABLE'], objects: ['RAW.SALES.*', '@RAW.SALES.LANDING'] },
        { name: 'raw-is-read-only', action: 'deny', classes: ['DML', 'DDL'], objects: ['RAW.**'], access: 'write', reason: 'RAW is written by the landing load only' },
        { name: 'transform', action: 'allow', classes: ['DML', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['ANALYTICS.**', 'RAW.**'] },
      ],
    });
    expect(d('SELECT * FROM raw.sales.orders', doc)).toMatchObject({ action: 'allow', reasonKey: 'rule_allowed', rule: 'read-raw' });
    expect(d('SELECT * FROM raw.sales.orders o JOIN finance.gl.entries e ON o.id = e.id', doc)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('SELECT 1; COPY INTO @leak FROM raw.sales.orders', doc)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied', statementIndex: 1 });
    expect(d('SELECT * FROM raw.pii.people', doc)).toMatchObject({ action: 'deny', reason: 'PII tables are off limits for this pipeline' });
    expect(d('COPY INTO raw.sales.orders FROM @raw.sales.landing/orders/', doc)).toMatchObject({ action: 'allow', rule: 'load-landing' });
    expect(d("COPY INTO raw.sales.orders FROM 's3://elsewhere/'", doc)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('MERGE INTO analytics.mart.c USING raw.crm.c s ON c.id = s.id WHEN MATCHED THEN DELETE', doc)).toMatchObject({ action: 'allow', rule: 'transform' });
    expect(d('INSERT INTO analytics.mart.x SELECT * FROM finance.gl.entries', doc)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('DELETE FROM raw.sales.orders', doc)).toMatchObject({ action: 'deny', reasonKey: 'rule_denied', rule: 'raw-is-read-only', reason: 'RAW is written by the landing load only' });
    expect(d('CREATE TABLE raw.sales.copy AS SELECT * FROM analytics.mart.c', doc)).toMatchObject({ action: 'deny', rule: 'raw-is-read-only' });
    expect(d('USE SCHEMA raw.sales; SHOW TABLES; SELECT * FROM orders', doc)).toMatchObject({ action: 'allow' });
    expect(d("ALTER SESSION SET QUERY_TAG = 'dbt'", doc)).toMatchObject({ action: 'allow', rule: 'session-parameters' });
    expect(d("ALTER SESSION SET SEARCH_PATH = 'raw.pii'", doc)).toMatchObject({ action: 'deny', reasonKey: 'search_path_denied' });
    expect(d('ALTER WAREHOUSE etl_wh SET WAREHOUSE_SIZE = XLARGE', doc)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
    expect(d('ALTER ACCOUNT SET NETWORK_POLICY = open', doc)).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
  });

  it('denies a SEARCH_PATH change unless a rule naming ALTER_OTHER allows it', () => {
    expect(d("ALTER SESSION SET SEARCH_PATH = 'secret.s'", allowAll)).toMatchObject({ action: 'deny', reasonKey: 'search_path_denied' });
    expect(d("ALTER SESSION SET QUERY_TAG = 'etl'", allowAll)).toMatchObject({ action: 'allow' });
    const p = statementPolicySchema.parse({ statements: [{ action: 'allow', classes: ['ALTER_OTHER'] }] });
    expect(d("ALTER SESSION SET SEARCH_PATH = '$current'", p)).toMatchObject({ action: 'allow', reasonKey: 'rule_allowed' });
  });
});
