import { describe, expect, it } from '@jest/globals';
import { checkObjectPattern, compileObjectPattern } from './object-pattern.js';

const m = (pattern: string, object: string) => compileObjectPattern(pattern).matches(object);

describe('object patterns', () => {
  it('matches * within one name part; unquoted pattern parts fold to upper case', () => {
    expect(m('RAW.*.*', 'RAW.SALES.ORDERS')).toBe(true);
    expect(m('raw.sales.ord*', 'RAW.SALES.ORDERS')).toBe(true);
    expect(m('RAW.*', 'RAW.SALES.ORDERS')).toBe(false);
    expect(m('RAW.*.*', 'RAWX.SALES.ORDERS')).toBe(false);
    expect(m('*.*.ORDERS', 'RAW.SALES.ORDERS')).toBe(true);
  });

  it('matches ** across any number of parts', () => {
    expect(m('RAW.**', 'RAW.SALES.ORDERS')).toBe(true);
    expect(m('RAW.**', 'RAW.SALES')).toBe(true);
    expect(m('RAW.**', 'RAW')).toBe(true);
    expect(m('**.ORDERS', 'RAW.SALES.ORDERS')).toBe(true);
    expect(m('RAW.**', 'ANALYTICS.RAW.T')).toBe(false);
  });

  it('keeps stages, tables and locations apart', () => {
    expect(m('@RAW.*.*', '@RAW.SALES.LANDING')).toBe(true);
    expect(m('RAW.**', '@RAW.SALES.LANDING')).toBe(false);
    expect(m('@RAW.**', 'RAW.SALES.LANDING')).toBe(false);
    expect(m('@~', '@~')).toBe(true);
    expect(m('@**', '@~')).toBe(false);
    expect(m('s3://acme-exports/*', 's3://acme-exports/daily')).toBe(true);
    expect(m('s3://acme-exports/*', 's3://acme-exports/daily/x')).toBe(false);
    expect(m('s3://acme-exports/**', 's3://acme-exports/daily/x')).toBe(true);
    expect(m('s3://acme-exports/**', 's3://acme-exports-evil/x')).toBe(false);
    expect(m('**', 's3://b/x')).toBe(false);
    expect(m('session://QUERY_TAG', 'session://QUERY_TAG')).toBe(true);
    expect(m('session://QUERY_TAG', 'session://SEARCH_PATH')).toBe(false);
    expect(m('account://PARTNER_ORG.*', 'account://PARTNER_ORG.ACCT1')).toBe(true);
    expect(m('external-volume://*', 'external-volume://LAKE_VOL')).toBe(true);
  });

  it('compares quoted parts by value', () => {
    expect(m('RAW."Mixed Case".*', 'RAW."Mixed Case".T')).toBe(true);
    expect(m('RAW.*.*', 'RAW."a.b".T')).toBe(true);
    expect(m('RAW.A.*', 'RAW."a.b".T')).toBe(false);
  });

  it('compares with Snowflake identifier semantics: a quoted lower-case name is another object', () => {
    expect(m('RAW.PUBLIC.*', '"raw"."public".T')).toBe(false);
    expect(m('raw.public.*', '"raw"."public".T')).toBe(false);
    expect(m('"raw"."public".*', '"raw"."public".T')).toBe(true);
    expect(m('"RAW".PUBLIC.*', 'RAW.PUBLIC.T')).toBe(true);
    // deny rules compare loosely: the account may fold quoted identifiers (QUOTED_IDENTIFIERS_IGNORE_CASE)
    expect(compileObjectPattern('RAW.PUBLIC.*').matchesIgnoringCase('"raw"."public".T')).toBe(true);
  });

  it('compares a real location path exactly and the scheme and engine namespaces case-insensitively', () => {
    expect(m('s3://acme-exports/daily/*', 's3://acme-exports/DAILY/x')).toBe(false);
    expect(m('s3://acme-exports/daily/*', 'S3://acme-exports/daily/x')).toBe(true);
    expect(compileObjectPattern('s3://acme-exports/daily/*').matchesIgnoringCase('s3://ACME-exports/DAILY/x')).toBe(true);
    expect(m('session://query_tag', 'session://QUERY_TAG')).toBe(true);
    expect(m('function://read_only/*', 'function://read_only/SYSTEM$TYPEOF')).toBe(true);
    expect(m('function://read_only/*', 'function://external_calling/SYSTEM$SEND_EMAIL')).toBe(false);
    expect(m('**', 'unresolved://table_literal')).toBe(false);
    expect(m('unresolved://table_literal', 'unresolved://table_literal')).toBe(true);
  });

  it('reports malformed patterns', () => {
    expect(checkObjectPattern('RAW.**')).toBeUndefined();
    expect(checkObjectPattern('s3://b/**')).toBeUndefined();
    expect(checkObjectPattern('')).toBe('empty pattern');
    expect(checkObjectPattern('RAW."x.*')).toBe('unbalanced double quote');
    expect(checkObjectPattern('RAW..T')).toBe('empty name part');
  });
});
