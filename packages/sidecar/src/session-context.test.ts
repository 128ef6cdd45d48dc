import { describe, expect, it } from '@jest/globals';
import { classifySql, decide, statementPolicySchema } from '@snowtrail/policy';
import {
  checkPinnedSwitch, confirmContext, contextAfterStatements, contextValueFromReported, noteContextChange, possibleContexts, settleFailedContextChange, toSessionContext,
} from './session-context.js';

/** A session table entry as far as context tracking sees it. */
const session = (database = 'ANALYTICS', schema = 'PUBLIC') => ({ context: { database, schema } as { database?: string | undefined; schema?: string | undefined } });

/** What the sidecar does with an allowed request: classify in every possible context, note the change. */
function send(entry: ReturnType<typeof session>, requestId: string, sql: string): void {
  const afters = possibleContexts(entry).flatMap((c) => {
    const after = contextAfterStatements(classifySql(sql, toSessionContext(c)), c);
    return after === c ? [] : [after];
  });
  if (afters.length > 0) noteContextChange(entry, requestId, afters);
}

const readAnalytics = statementPolicySchema.parse({ defaultAction: 'deny', statements: [{ action: 'allow', classes: ['SELECT', 'USE'], objects: ['ANALYTICS.PUBLIC.*'], access: 'read' }] });
/** Allowed only when allowed in every possible context, as decideStatements judges. */
const allowedEverywhere = (entry: ReturnType<typeof session>, sql: string) => possibleContexts(entry).every((c) => decide(classifySql(sql, toSessionContext(c)), readAnalytics).action === 'allow');

describe('session context derived from classified statements and confirmed by answers', () => {
  it.each([
    ['use database raw', { database: 'RAW', schema: 'PUBLIC' }],
    ['USE raw.sales', { database: 'RAW', schema: 'SALES' }],
    ['use schema staging', { database: 'ANALYTICS', schema: 'STAGING' }],
    ['/* c */ use "Mixed DB"."s.x";', { database: '"Mixed DB"', schema: '"s.x"' }],
    ['select 1 ->> use schema raw.secret', { database: 'RAW', schema: 'SECRET' }],
    ['use schema raw.secret; select 1', { database: 'RAW', schema: 'SECRET' }],
  ])('%s → %j', (sql, expected) => {
    const ctx = { database: 'ANALYTICS', schema: 'PUBLIC' };
    expect(contextAfterStatements(classifySql(sql, ctx), ctx)).toMatchObject(expected);
  });

  it('keeps the context for USE ROLE / USE WAREHOUSE and for statements that change nothing', () => {
    const ctx = { database: 'ANALYTICS', schema: 'PUBLIC' };
    for (const sql of ['use role analyst', 'use warehouse wh', 'select 1']) expect(contextAfterStatements(classifySql(sql, ctx), ctx)).toBe(ctx);
  });

  it('a synchronous USE confirmed by its answer becomes the one context', () => {
    const e = session();
    send(e, 'r1', 'use schema raw.sales');
    expect(possibleContexts(e)).toHaveLength(2);
    confirmContext(e, 'r1', { finalDatabaseName: 'RAW', finalSchemaName: 'SALES' });
    expect(possibleContexts(e)).toEqual([{ database: 'RAW', schema: 'SALES' }]);
    expect(e.context).toEqual({ database: 'RAW', schema: 'SALES' });
  });

  it('while an asynchronous USE is unconfirmed, a request is judged in both contexts (the unqualified read is denied)', () => {
    const e = session();
    expect(allowedEverywhere(e, 'select * from orders')).toBe(true);
    send(e, 'async-use', 'use schema raw.secret');
    expect(allowedEverywhere(e, 'select * from orders')).toBe(false);
    expect(allowedEverywhere(e, 'select * from analytics.public.orders')).toBe(true);
  });

  it('a concurrent request answered first does not collapse the context while the USE is unconfirmed', () => {
    const e = session();
    send(e, 'use', 'use schema raw.secret');
    send(e, 'select', 'select 1');
    confirmContext(e, 'select', { finalDatabaseName: 'ANALYTICS', finalSchemaName: 'PUBLIC' });
    expect(possibleContexts(e).map((c) => c.schema)).toEqual(expect.arrayContaining(['PUBLIC', 'SECRET']));
    expect(allowedEverywhere(e, 'select * from orders')).toBe(false);
    confirmContext(e, 'use', { finalDatabaseName: 'RAW', finalSchemaName: 'SECRET' });
    expect(possibleContexts(e)).toEqual([{ database: 'RAW', schema: 'SECRET' }]);
  });

  it('after a failed USE both contexts stay possible until an answer reports the context', () => {
    const e = session();
    send(e, 'use', 'select 1; use schema raw.secret');
    settleFailedContextChange(e, 'use');
    expect(possibleContexts(e)).toHaveLength(2);
    expect(allowedEverywhere(e, 'select * from orders')).toBe(false);
    confirmContext(e, 'next', { finalDatabaseName: 'ANALYTICS', finalSchemaName: 'PUBLIC' });
    expect(possibleContexts(e)).toEqual([{ database: 'ANALYTICS', schema: 'PUBLIC' }]);
    expect(allowedEverywhere(e, 'select * from orders')).toBe(true);
  });

  it('tracks QUOTED_IDENTIFIERS_IGNORE_CASE: quoted names fold after it is set', () => {
    const ctx = { database: 'ANALYTICS', schema: 'PUBLIC' };
    const after = contextAfterStatements(classifySql('ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE', ctx), ctx);
    expect(after.quotedIdentifiersIgnoreCase).toBe(true);
    expect(classifySql('select * from "orders"', toSessionContext(after))[0]!.reads).toEqual(['ANALYTICS.PUBLIC.ORDERS']);
    expect(classifySql('select * from "orders"', ctx)[0]!.reads).toEqual(['ANALYTICS.PUBLIC."orders"']);
  });

  it('renders reported names for the classifier (quoted unless plain upper case)', () => {
    expect(contextValueFromReported('SALES')).toBe('SALES');
    expect(contextValueFromReported('Sales')).toBe('"Sales"');
  });
});

describe('pinned role and warehouse guard (ADR 0020) reads classified statements', () => {
  const pinned = { role: 'ETL_ROLE', warehouse: 'ETL_WH' };
  const refused = (sql: string) => checkPinnedSwitch(classifySql(sql, { database: 'DB', schema: 'S' }), pinned) !== undefined;
  it.each([
    ['use role accountadmin', true],
    ['USE ROLE etl_role', false],
    ['use role "ETL_ROLE"', false],
    ['use role "etl_role"', true],
    ['-- x\nuse   warehouse big_wh', true],
    ['use/**/role/**/accountadmin', true],
    ['select 1 ->> use role accountadmin', true],
    ['select 1; use role accountadmin', true],
    ["execute immediate 'use role accountadmin'", true],
    ['begin use role accountadmin; end', true],
    ['use role identifier($r)', true],
    ['use secondary roles all', true],
    ['use secondary roles none', false],
    ['use database other', false],
    ["select 'use role accountadmin'", false],
    ['select 1', false],
  ])('%s → refused: %s', (sql, expected) => {
    expect(refused(sql)).toBe(expected);
  });
  it('allows any switch when nothing is pinned', () => {
    expect(checkPinnedSwitch(classifySql('use role accountadmin', {}), {})).toBeUndefined();
  });
});
