import { describe, expect, it } from '@jest/globals';
import { classifySql } from './classify.js';
import { decide } from './decide.js';
import { statementPolicySchema, type StatementPolicy } from './rules-schema.js';

const ctx = { database: 'PIPELINE', schema: 'WORK' };

/** A realistic pipeline policy: read RAW, write ANALYTICS, transactions and session statements fine, nothing else. */
const pipeline: StatementPolicy = statementPolicySchema.parse({
  name: 'etl',
  defaultAction: 'deny',
  statements: [
    { name: 'session', action: 'allow', classes: ['SESSION', 'SHOW', 'DESCRIBE'] },
    { name: 'read-raw', action: 'allow', classes: ['SELECT'], objects: ['RAW.**'], access: 'read' },
    { name: 'write-analytics', action: 'allow', classes: ['DML', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['ANALYTICS.**'], access: 'write' },
    { name: 'no-pii', action: 'deny', objects: ['RAW.PII.*'], access: 'read', reason: 'PII tables are off limits for this pipeline' },
  ],
});

const allowAll: StatementPolicy = statementPolicySchema.parse({ defaultAction: 'allow' });

function d(sql: string, policy = pipeline) {
  return decide(classifySql(sql, ctx), policy);
}

describe('decide', () => {
  it('allows a pipeline reading RAW and writing ANALYTICS', () => {
    expect(d('SELECT * FROM raw.sales.orders')).toMatchObject({ action: 'allow', reasonKey: 'rule_allowed', rule: 'read-raw' });
    expect(d('INSERT INTO analytics.mart.daily SELECT * FROM raw.sales.orders')).toMatchObject({ action: 'allow', rule: 'write-analytics' });
    expect(d('USE SCHEMA raw.sales; SELECT count(*) FROM orders')).toMatchObject({ action: 'allow' });
  });

  it('denies a read outside RAW even when joined with an allowed table', () => {
    const r = d('SELECT * FROM raw.sales.orders o JOIN finance.gl.entries e ON o.id = e.id');
    expect(r).toMatchObject({ action: 'deny', reasonKey: 'default_denied', statementIndex: 0 });
  });

  it('denies writes outside ANALYTICS', () => {
    expect(d('DELETE FROM raw.sales.orders')).toMatchObject({ action: 'deny', reasonKey: 'default_denied' });
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
    const p = statementPolicySchema.parse({ defaultAction: 'allow', statements: [{ name: 'export', action: 'allow', classes: ['COPY_INTO_LOCATION'], objects: ['@ANALYTICS.EXPORT.*'], access: 'write' }] });
    expect(d('COPY INTO @analytics.export.out FROM analytics.mart.daily', p)).toMatchObject({ action: 'allow', rule: 'export' });
    expect(d('COPY INTO @analytics.other.out FROM analytics.mart.daily', p)).toMatchObject({ action: 'deny', reasonKey: 'exfiltration_denied' });
  });

  it('uses the rule reason for a matching deny rule', () => {
    const p = statementPolicySchema.parse({ defaultAction: 'allow', statements: pipeline.statements.slice().reverse() });
    expect(d('SELECT * FROM raw.pii.people', p)).toMatchObject({ action: 'deny', reasonKey: 'rule_denied', reason: 'PII tables are off limits for this pipeline', rule: 'no-pii' });
  });
});
