import { describe, expect, it } from '@jest/globals';
import { checkPinnedSwitch, contextAfterUse, contextValueFromReported } from './session-context.js';

describe('session context tracking', () => {
  it.each([
    ['use database analytics', { database: 'analytics', schema: 'PUBLIC' }],
    ['USE analytics', { database: 'analytics', schema: 'PUBLIC' }],
    ['use schema raw.sales', { database: 'raw', schema: 'sales' }],
    ['use schema staging', { database: 'DB', schema: 'staging' }],
    ['/* c */ use "Mixed DB"."s.x";', { database: '"Mixed DB"', schema: '"s.x"' }],
    ['use role analyst', { database: 'DB', schema: 'S' }],
    ['use warehouse wh', { database: 'DB', schema: 'S' }],
  ])('%s', (sql, expected) => {
    expect(contextAfterUse({ database: 'DB', schema: 'S' }, sql)).toEqual(expected);
  });

  it('renders reported names for the classifier (quoted unless plain upper case)', () => {
    expect(contextValueFromReported('SALES')).toBe('SALES');
    expect(contextValueFromReported('Sales')).toBe('"Sales"');
  });
});

describe('pinned role and warehouse guard (ADR 0020)', () => {
  const pinned = { role: 'ETL_ROLE', warehouse: 'ETL_WH' };
  it.each([
    ['use role accountadmin', true],
    ['USE ROLE etl_role', false],
    ['use role "ETL_ROLE"', false],
    ['-- x\nuse   warehouse big_wh', true],
    ['use secondary roles all', true],
    ['use secondary roles none', false],
    ['use database other', false],
    ['select 1', false],
  ])('%s → refused: %s', (sql, refused) => {
    expect(checkPinnedSwitch(sql, pinned) !== undefined).toBe(refused);
  });
  it('allows any switch when nothing is pinned', () => {
    expect(checkPinnedSwitch('use role accountadmin', {})).toBeUndefined();
  });
});
