import { describe, expect, it } from '@jest/globals';
import { contextPart, isLocationString, parseName, qualify, qualifyStage, renderPart, splitNameString } from './object-names.js';
import { tokenize } from './tokenizer.js';

const ctx = { database: 'analytics', schema: 'mart' };
const parse = (sql: string) => parseName(tokenize(sql).tokens, 0);

describe('object names', () => {
  it('renders unquoted names upper-case and quoted names verbatim, quoting only when needed', () => {
    expect(renderPart({ value: 'orders', quoted: false })).toBe('ORDERS');
    expect(renderPart({ value: 'ORDERS', quoted: true })).toBe('ORDERS');
    expect(renderPart({ value: 'Orders', quoted: true })).toBe('"Orders"');
    expect(renderPart({ value: 'a"b.c', quoted: true })).toBe('"a""b.c"');
  });

  it('qualifies with the session database and schema by scope', () => {
    const p = (s: string) => parse(s)!.parts;
    expect(qualify(p('t'), 'schema_object', ctx)).toBe('ANALYTICS.MART.T');
    expect(qualify(p('s.t'), 'schema_object', ctx)).toBe('ANALYTICS.S.T');
    expect(qualify(p('d.s.t'), 'schema_object', ctx)).toBe('D.S.T');
    expect(qualify(p('d..t'), 'schema_object', ctx)).toBe('D.PUBLIC.T');
    expect(qualify(p('s'), 'schema', ctx)).toBe('ANALYTICS.S');
    expect(qualify(p('wh'), 'account', ctx)).toBe('WH');
    expect(qualify(p('t'), 'schema_object', {})).toBe('T');
    expect(qualify(p('t'), 'schema_object', { database: '"Mixed Db"', schema: 'x' })).toBe('"Mixed Db".X.T');
  });

  it('parses IDENTIFIER(literal) as the name and IDENTIFIER($var) as an unresolved name', () => {
    expect(qualify(parse("IDENTIFIER('raw.\"S\".t')")!.parts, 'schema_object', ctx)).toBe('RAW.S.T');
    const v = parse('IDENTIFIER($tbl) x')!;
    expect(v.unresolved).toBe('$tbl');
    expect(qualify(v.parts, 'schema_object', ctx)).toBe('unresolved://variable_name');
    expect(qualify(parse('IDENTIFIER(?)')!.parts, 'schema_object', ctx)).toBe('unresolved://bind_name');
    expect(qualify(parse('IDENTIFIER(:1)')!.parts, 'schema_object', ctx)).toBe('unresolved://bind_name');
    expect(qualify(parse('IDENTIFIER(:v)')!.parts, 'schema_object', ctx)).toBe('unresolved://variable_name');
    expect(qualify(parse("IDENTIFIER('a' || $b)")!.parts, 'schema_object', ctx)).toBe('unresolved://expression_name');
    expect(v.next).toBe(4);
  });

  it('renders every stage form as @DB.SCHEMA.STAGE without its path', () => {
    expect(qualifyStage('@s/a/b.csv', ctx)).toBe('@ANALYTICS.MART.S');
    expect(qualifyStage('@~/x', ctx)).toBe('@~');
    expect(qualifyStage('@%orders', ctx)).toBe('@ANALYTICS.MART.%ORDERS');
    expect(qualifyStage('@raw.s.%orders/x', ctx)).toBe('@RAW.S.%ORDERS');
    expect(qualifyStage('@raw."My/Stage"/x', ctx)).toBe('@ANALYTICS.RAW."My/Stage"');
  });

  it('splits dotted names honouring quotes and reads context values', () => {
    expect(splitNameString('a."b.c".d')).toEqual([
      { value: 'A', quoted: false },
      { value: 'b.c', quoted: true },
      { value: 'D', quoted: false },
    ]);
    expect(contextPart('raw')).toEqual({ value: 'RAW', quoted: false });
    expect(contextPart('"Raw"')).toEqual({ value: 'Raw', quoted: true });
    expect(contextPart('')).toBeUndefined();
  });

  it('recognises external locations by their scheme', () => {
    expect(isLocationString('s3://b/p')).toBe(true);
    expect(isLocationString('azure://a.blob.core.windows.net/c')).toBe(true);
    expect(isLocationString('@stage')).toBe(false);
    expect(isLocationString('hello')).toBe(false);
  });
});
