import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { parseJsonStrict, readBody } from './index.js';

describe('parseJsonStrict', () => {
  it('parses what drivers send', () => {
    expect(parseJsonStrict('{"sqlText":"select \\"a\\" from t","parameters":{"A":1},"bindings":{"1":{"type":"TEXT","value":["x","y"]}}}')).toEqual({
      sqlText: 'select "a" from t',
      parameters: { A: 1 },
      bindings: { 1: { type: 'TEXT', value: ['x', 'y'] } },
    });
    expect(parseJsonStrict('  ')).toBeUndefined();
  });

  it.each([
    ['a top-level duplicate', '{"sqlText":"select 1","sqlText":"drop table t"}', 'sqlText'],
    ['a nested duplicate', '{"data":{"SESSION_PARAMETERS":{"A":1,"A":2}}}', 'A'],
    ['a duplicate spelled with an escape', '{"sqlText":"x","sql\\u0054ext":"y"}', 'sqlText'],
    ['a duplicate after an array', '{"a":[{"b":1},{"b":2}],"a":3}', 'a'],
  ])('refuses %s', (_name, text, key) => {
    expect(() => parseJsonStrict(text)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_DUPLICATE_KEY', key }));
  });

  it('does not take string contents for keys', () => {
    expect(parseJsonStrict('{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}')).toEqual({ a: '{"a":1,"a":2}', b: ['a', 'a'] });
  });

  it('refuses deep nesting before parsing it', () => {
    expect(() => parseJsonStrict(`{"data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_DEEP' }));
  });

  it('reports invalid JSON as malformed', () => {
    expect(() => parseJsonStrict('{"a":')).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED' }));
  });
});

describe('readBody', () => {
  const pieces = (b: Buffer, size = 1000): Readable => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

  it('reads plain and gzip bodies, inflating as it goes', async () => {
    const plain = Buffer.from(JSON.stringify({ sqlText: 'x'.repeat(50_000) }));
    expect(await readBody(pieces(plain), { maxBytes: 100_000 })).toEqual({ bytes: plain, wasGzip: false });
    expect(await readBody(pieces(gzipSync(plain), 7), { maxBytes: 100_000 })).toEqual({ bytes: plain, wasGzip: true });
    expect(await readBody(pieces(Buffer.from('{')), { maxBytes: 10 })).toEqual({ bytes: Buffer.from('{'), wasGzip: false });
    // A declared length read into one buffer; a lying one (shorter or longer) still yields what came.
    expect(await readBody(pieces(plain), { maxBytes: 100_000, expectedBytes: plain.length })).toEqual({ bytes: plain, wasGzip: false });
    expect(await readBody(pieces(plain), { maxBytes: 100_000, expectedBytes: 10 })).toEqual({ bytes: plain, wasGzip: false });
    expect(await readBody(pieces(plain), { maxBytes: 100_000, expectedBytes: plain.length + 5 })).toEqual({ bytes: plain, wasGzip: false });
    expect(await readBody(pieces(gzipSync(plain), 7), { maxBytes: 100_000, expectedBytes: 20 })).toEqual({ bytes: plain, wasGzip: true });
  });

  it('stops a gzip bomb at the cap without inflating it and charges only what it holds', async () => {
    const bomb = gzipSync(Buffer.alloc(512 * 1024 * 1024));
    let charged = 0;
    await expect(readBody(pieces(bomb, 64 * 1024), { maxBytes: 1024 * 1024, charge: (n) => (charged += n) })).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_LARGE' });
    expect(charged).toBeLessThanOrEqual(1024 * 1024);
  });

  it('stops a plain body at the cap and stops when the budget says so', async () => {
    await expect(readBody(pieces(Buffer.alloc(5000)), { maxBytes: 4096 })).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_LARGE' });
    const busy = Object.assign(new Error('busy'), { code: 'BUSY' });
    await expect(readBody(pieces(gzipSync(Buffer.alloc(5000))), { maxBytes: 10_000, charge: () => { throw busy; } })).rejects.toBe(busy);
  });

  it('refuses bytes that start like gzip but do not inflate', async () => {
    await expect(readBody(pieces(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), { maxBytes: 100 })).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED' });
  });
});
