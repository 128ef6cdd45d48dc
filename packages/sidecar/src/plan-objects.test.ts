import { describe, expect, it } from '@jest/globals';
import { classifySql, statementPolicySchema } from '@snowtrail/policy';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { judgePlanObjects, planObjectsOf, readsData } from './plan-objects.js';

/** A query-request answer carrying one EXPLAIN USING JSON cell. */
const answerWith = (plan: unknown): unknown => ({ success: true, data: { rowtype: [{ name: 'content' }], rowset: [[typeof plan === 'string' ? plan : JSON.stringify(plan)]] } });

const policy = statementPolicySchema.parse({
  defaultAction: 'deny',
  statements: [
    { action: 'allow', access: 'read', objects: ['ANALYTICS.PUBLIC.*'] },
    { action: 'allow', access: 'write', objects: ['ANALYTICS.PUBLIC.*'] },
  ],
});

describe('the tables a plan scans', () => {
  it('collects the objects of every scan, in every step, once each', () => {
    const plan = {
      GlobalStats: { partitionsTotal: 2, partitionsAssigned: 2, bytesAssigned: 1024 },
      Operations: [
        [
          { id: 0, operation: 'Result', expressions: ['T.A'] },
          { id: 1, operation: 'Join', parentOperators: [0] },
          { id: 2, operation: 'TableScan', objects: ['ANALYTICS.PUBLIC.U'], parentOperators: [1] },
          { id: 3, operation: 'TableScan', objects: ['RAW.SECRET.T'], parentOperators: [1] },
        ],
        [{ id: 0, operation: 'ExternalScan', objects: ['RAW.SECRET.EXT'] }, { id: 1, operation: 'TableScan', objects: ['ANALYTICS.PUBLIC.U'] }],
      ],
    };
    expect(planObjectsOf(answerWith(plan))).toEqual({ ok: true, objects: ['ANALYTICS.PUBLIC.U', 'RAW.SECRET.T', 'RAW.SECRET.EXT'] });
  });

  it('reads the plan from an Arrow answer (the default format of JDBC, Python and Go sessions)', () => {
    const plan = { Operations: [[{ id: 0, operation: 'Result' }, { id: 1, operation: 'TableScan', objects: ['RAW.SECRET.T'], parentOperators: [0] }]] };
    const ipc = tableToIPC(tableFromArrays({ content: [JSON.stringify(plan)] }), 'stream');
    const arrowAnswer = { success: true, data: { queryResultFormat: 'arrow', rowtype: [{ name: 'content' }], rowsetBase64: Buffer.from(ipc).toString('base64') } };
    expect(planObjectsOf(arrowAnswer)).toEqual({ ok: true, objects: ['RAW.SECRET.T'] });
    const empty = tableToIPC(tableFromArrays({ content: [] as string[] }), 'stream');
    expect(planObjectsOf({ success: true, data: { queryResultFormat: 'arrow', rowsetBase64: Buffer.from(empty).toString('base64') } }).ok).toBe(false);
  });

  it('finds no plan in answers that are not one (each is a denial, never an empty read set)', () => {
    const cases: unknown[] = [
      null,
      'text',
      { success: false, message: 'SQL compilation error' },
      { success: true, data: { rowsetBase64: 'QVJST1c=' } },
      { success: true, data: { queryResultFormat: 'arrow', rowsetBase64: 'QVJST1c=' } },
      { success: true, data: { queryResultFormat: 'arrow', rowsetBase64: '' } },
      { success: true, data: { rowset: [] } },
      answerWith('not json'),
      answerWith({ GlobalStats: {} }),
      answerWith({ Operations: [{ id: 0 }] }),
      answerWith({ Operations: [[{ id: 0 }]] }),
      answerWith({ Operations: [[{ id: 0, operation: 'TableScan' }]] }),
      answerWith({ Operations: [[{ id: 0, operation: 'TableScan', objects: [] }]] }),
      answerWith({ Operations: [[{ id: 0, operation: 'TableScan', objects: [42] }]] }),
    ];
    for (const c of cases) expect(planObjectsOf(c).ok).toBe(false);
  });
});

describe('judging what a plan scans', () => {
  const [select] = classifySql('select * from ANALYTICS.PUBLIC.V', {});
  it('allows scans of tables the rules allow for reading', () => {
    expect(judgePlanObjects(select!, ['ANALYTICS.PUBLIC.U'], policy, 0)).toBeUndefined();
  });
  it('denies a scan of a table no rule allows, with plan_read_denied naming it', () => {
    expect(judgePlanObjects(select!, ['ANALYTICS.PUBLIC.U', 'RAW.SECRET.T'], policy, 0)).toMatchObject({ action: 'deny', reasonKey: 'plan_read_denied', reason: expect.stringContaining('RAW.SECRET.T') });
  });
  it('a write rule does not allow a scanned table for reading', () => {
    const [insert] = classifySql('insert into ANALYTICS.PUBLIC.U select a from ANALYTICS.PUBLIC.V', {});
    const writeOnly = statementPolicySchema.parse({ defaultAction: 'deny', statements: [{ action: 'allow', access: 'write', objects: ['RAW.**'] }, { action: 'allow', objects: ['ANALYTICS.PUBLIC.*'] }] });
    expect(judgePlanObjects(insert!, ['RAW.SECRET.T'], writeOnly, 0)?.reasonKey).toBe('plan_read_denied');
  });
  it('asks only about statements that read data', () => {
    expect(classifySql('select 1; select a from ANALYTICS.PUBLIC.U; use database RAW; create view ANALYTICS.PUBLIC.W as select 1 from ANALYTICS.PUBLIC.U', {}).map(readsData)).toEqual([false, true, false, false]);
  });
  it('asks about reads a statement makes through another it runs, or into a variable (no way around the plan)', () => {
    const read = (sql: string): boolean => classifySql(sql, {}).some(readsData);
    expect(read("execute immediate 'select * from ANALYTICS.PUBLIC.V'")).toBe(true);
    expect(read('begin select * from ANALYTICS.PUBLIC.V; end')).toBe(true);
    expect(read('select 1 ->> select * from ANALYTICS.PUBLIC.V')).toBe(true);
    expect(read('set x = (select max(a) from ANALYTICS.PUBLIC.V)')).toBe(true);
  });
});
