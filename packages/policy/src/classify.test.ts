import { describe, expect, it } from '@jest/globals';
import { classifySql, MAX_NESTING } from './classify.js';
import { decide } from './decide.js';
import { statementPolicySchema } from './rules-schema.js';
import { STATEMENT_CLASSES } from './statement-class.js';

const ctx = { database: 'PIPE', schema: 'WORK' };
const one = (sql: string) => {
  const all = classifySql(sql, ctx);
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('classifySql', () => {
  it('returns one entry per statement with its own text', () => {
    const all = classifySql('SELECT 1 ;\n-- next\nINSERT INTO t VALUES (1)', ctx);
    expect(all.map((s) => [s.text, s.class])).toEqual([
      ['SELECT 1', 'SELECT'],
      ['INSERT INTO t VALUES (1)', 'INSERT'],
    ]);
  });

  it('applies USE to the statements after it, not before', () => {
    const all = classifySql('SELECT * FROM a; USE SCHEMA raw.sales; SELECT * FROM b; USE DATABASE hr; SELECT * FROM c', ctx);
    expect(all.map((s) => s.reads)).toEqual([['PIPE.WORK.A'], [], ['RAW.SALES.B'], [], ['HR.PUBLIC.C']]);
  });

  it('tells a load (COPY INTO table) from an unload (COPY INTO stage or location)', () => {
    expect(one('COPY INTO raw.s.t FROM @raw.s.landing')).toMatchObject({ class: 'COPY_INTO_TABLE', reads: ['@RAW.S.LANDING'], writes: ['RAW.S.T'] });
    expect(one("COPY INTO 's3://b/p/' FROM raw.s.t")).toMatchObject({ class: 'COPY_INTO_LOCATION', reads: ['RAW.S.T'], writes: ['s3://b/p/'] });
    expect(one('COPY INTO @raw.s.out FROM (SELECT * FROM raw.s.t)')).toMatchObject({ class: 'COPY_INTO_LOCATION', reads: ['RAW.S.T'], writes: ['@RAW.S.OUT'] });
  });

  it('classifies the SQL inside EXECUTE IMMEDIATE and merges its objects', () => {
    const s = one("EXECUTE IMMEDIATE 'INSERT INTO analytics.m.t SELECT * FROM raw.s.t'");
    expect(s).toMatchObject({ class: 'EXECUTE_IMMEDIATE', reads: ['RAW.S.T'], writes: ['ANALYTICS.M.T'] });
    expect(s.inner).toEqual([expect.objectContaining({ class: 'INSERT', via: 'execute_immediate' })]);
    expect(one('EXECUTE IMMEDIATE :sql')).toMatchObject({ class: 'EXECUTE_IMMEDIATE', dynamic: true });
  });

  it('attaches a task body without merging it (it runs later)', () => {
    const s = one("CREATE TASK t SCHEDULE = '5 MINUTE' AS INSERT INTO analytics.m.t SELECT * FROM raw.s.t");
    expect(s).toMatchObject({ class: 'CREATE_TASK', reads: [], writes: ['PIPE.WORK.T'] });
    expect(s.inner?.[0]).toMatchObject({ class: 'INSERT', via: 'body', reads: ['RAW.S.T'] });
  });

  it('gives up beyond the nesting limit and decide denies what it cannot see', () => {
    let sql = 'COPY INTO @x FROM t';
    for (let k = 0; k <= MAX_NESTING + 1; k++) sql = `EXECUTE IMMEDIATE '${sql.replace(/'/g, "''")}'`;
    const all = classifySql(sql, ctx);
    const flat: string[] = [];
    const walk = (s: (typeof all)[number]): void => {
      if (s.unclassifiable) flat.push('unclassifiable');
      s.inner?.forEach(walk);
    };
    all.forEach(walk);
    expect(flat).toEqual(['unclassifiable']);
    const allowAll = statementPolicySchema.parse({ defaultAction: 'allow', statements: [{ action: 'allow', classes: ['EXECUTE_IMMEDIATE', 'OTHER'] }] });
    expect(decide(all, allowAll)).toMatchObject({ action: 'deny', reasonKey: 'statement_unclassifiable' });
  });

  it('classifies a 100 KB statement', () => {
    const cols = Array.from({ length: 4200 }, (_, k) => `c${k} + 1 AS "col ${k}"`).join(', ');
    const sql = `INSERT INTO analytics.m.wide SELECT ${cols} FROM raw.s.src s JOIN raw.s.dim d ON s.id = d.id`;
    expect(sql.length).toBeGreaterThan(100_000);
    expect(one(sql)).toMatchObject({ class: 'INSERT', reads: ['RAW.S.SRC', 'RAW.S.DIM'], writes: ['ANALYTICS.M.WIDE'] });
  });

  it('classifies pathological nesting and repetition without throwing', () => {
    const wrapped = '('.repeat(20000) + 'COPY INTO @x FROM t' + ')'.repeat(20000);
    expect(classifySql(wrapped, ctx).map((s) => [s.class, s.writes])).toEqual([['COPY_INTO_LOCATION', ['@PIPE.WORK.X']]]);
    expect(classifySql('WITH '.repeat(20000) + 'SELECT 1', ctx)).toHaveLength(1);
    const ctes = Array.from({ length: 2000 }, (_, k) => `c${k} AS (SELECT * FROM raw.s.t${k})`).join(', ');
    const s = one(`WITH ${ctes} SELECT * FROM ${Array.from({ length: 2000 }, (_, k) => `c${k}`).join(', ')}`);
    expect(s.reads).toHaveLength(2000);
    expect(s.reads.every((r) => r.startsWith('RAW.S.T'))).toBe(true);
    expect(one('SELECT * FROM ' + '('.repeat(50000) + 'x').class).toBe('SELECT');
    expect(one('SELECT * FROM ' + '( LATERAL '.repeat(50000) + 'raw.s.t').reads).toEqual(['RAW.S.T']);
    const share = one(`ALTER SHARE s ADD ACCOUNTS = ${'a.'.repeat(50000)}b`);
    expect(decide([share], statementPolicySchema.parse({ statements: [{ action: 'deny', objects: ['**.**.**.X'] }] }))).toMatchObject({ action: 'deny' });
  });

  it('never throws on random input and always yields known classes', () => {
    const words = ['SELECT', 'FROM', 'COPY', 'INTO', 'EXECUTE', 'IMMEDIATE', 'BEGIN', 'END', 'DECLARE', 'CREATE', 'TASK', 'AS', 'WITH', 'IDENTIFIER', '(', ')', ',', '.', ';', "'", '$$', '"', '@s/', '/*', '*/', '--', '\n', '->>', 'USE', 'SCHEMA', 'GRANT', 'ON', 'TO', 'SHARE', 'x', 'IF', 'THEN', 'CASE', 'LET', ':='];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const known = new Set<string>(STATEMENT_CLASSES);
    const bad: string[] = [];
    for (let round = 0; round < 2000; round++) {
      const n = Math.floor(rnd() * 30);
      const sql = Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(rnd() < 0.5 ? ' ' : '');
      const check = (s: ReturnType<typeof classifySql>[number]): void => {
        if (!known.has(s.class)) bad.push(sql);
        s.inner?.forEach(check);
      };
      try {
        classifySql(sql, ctx).forEach(check);
      } catch (err) {
        bad.push(`${sql} threw ${String(err)}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
