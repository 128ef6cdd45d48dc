import { describe, expect, it } from '@jest/globals';
import { tokenize, type Token } from './tokenizer.js';

const kinds = (sql: string) => tokenize(sql).tokens.map((t) => [t.kind, t.value]);

/** A small deterministic PRNG so a failing fuzz case can be reproduced from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('tokenize', () => {
  it('upper-cases words and keeps quoted identifiers verbatim with "" unescaped', () => {
    expect(kinds('select "My ""T"" x" from t')).toEqual([
      ['word', 'SELECT'],
      ['quoted', 'My "T" x'],
      ['word', 'FROM'],
      ['word', 'T'],
    ]);
  });

  it('drops --, // and /* */ comments', () => {
    expect(kinds('SELECT -- a ; b\n1 // c ; d\n/* e ; f */ ;')).toEqual([
      ['word', 'SELECT'],
      ['number', '1'],
      ['semicolon', ';'],
    ]);
  });

  it('ends a line comment at any line terminator, exposing what follows', () => {
    for (const nl of ['\n', '\r', '\u2028', '\u2029', '\u0085', '\v', '\f']) {
      expect(kinds(`SELECT 1 -- c${nl}COPY`).map((k) => k[1])).toEqual(['SELECT', '1', 'COPY']);
    }
  });

  it("decodes '' and backslash escapes in single-quoted strings", () => {
    expect(kinds("'it''s' 'a\\'b' 'x\\\\' 'n\\nl'")).toEqual([
      ['string', "it's"],
      ['string', "a'b"],
      ['string', 'x\\'],
      ['string', 'n\nl'],
    ]);
  });

  it('reads $$ … $$ as one string, whatever it holds', () => {
    const { tokens } = tokenize("SELECT $$ it's ; -- /* $$ ;");
    expect(tokens.map((t) => t.kind)).toEqual(['word', 'string', 'semicolon']);
    expect(tokens[1]).toMatchObject({ value: " it's ; -- /* ", dollar: true });
  });

  it('reads stage references with their paths as one token', () => {
    const stages = (sql: string) => tokenize(sql).tokens.filter((t) => t.kind === 'stage').map((t) => t.text);
    expect(stages('LIST @~; LIST @%orders; LIST @db.s."My Stage"/a/b.csv; LIST @s/p/)')).toEqual(['@~', '@%orders', '@db.s."My Stage"/a/b.csv', '@s/p/']);
  });

  it('reads an unquoted file:// path as one token so its // is not a comment', () => {
    const { tokens } = tokenize('PUT file:///tmp/data.csv @~/in');
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'PUT'],
      ['path', 'file:///tmp/data.csv'],
      ['stage', '@~/in'],
    ]);
  });

  it('recognises numbers, variables, binds and multi-character operators', () => {
    expect(kinds('1.5e3 .5 $1 $name ? :2 a::int x ->> y := 1 <> 2')).toEqual([
      ['number', '1.5e3'],
      ['number', '.5'],
      ['variable', '$1'],
      ['variable', '$NAME'],
      ['bind', '?'],
      ['bind', ':2'],
      ['word', 'A'],
      ['op', '::'],
      ['word', 'INT'],
      ['word', 'X'],
      ['op', '->>'],
      ['word', 'Y'],
      ['op', ':='],
      ['number', '1'],
      ['op', '<>'],
      ['number', '2'],
    ]);
  });

  it('ends a block comment at the first */ and reports the ambiguity of a nested /*', () => {
    const plain = tokenize('/* a /* b */ SELECT 1 */');
    expect(plain.ambiguous).toBe(true);
    expect(plain.tokens.map((t) => t.value)).toEqual(['SELECT', '1', '*', '/']);
    expect(tokenize('/* a /* b */ SELECT 1 */', { alternative: true }).tokens).toEqual([]);
  });

  it('runs an unquoted path to whitespace, and ends it at a comment start only in the alternative reading', () => {
    const sql = 'COPY INTO @x/**/FROM t';
    expect(tokenize(sql).tokens.map((t) => t.text)).toEqual(['COPY', 'INTO', '@x/**/FROM', 't']);
    expect(tokenize(sql).ambiguous).toBe(true);
    expect(tokenize(sql, { alternative: true }).tokens.map((t) => t.text)).toEqual(['COPY', 'INTO', '@x', 'FROM', 't']);
  });

  it('treats an unterminated string, identifier, $$ or comment as running to the end', () => {
    expect(kinds("SELECT 'abc")).toEqual([['word', 'SELECT'], ['string', 'abc']]);
    expect(kinds('SELECT "abc')).toEqual([['word', 'SELECT'], ['quoted', 'abc']]);
    expect(kinds('SELECT $$abc')).toEqual([['word', 'SELECT'], ['string', 'abc']]);
    expect(kinds('SELECT /* abc')).toEqual([['word', 'SELECT']]);
  });

  it('never throws and yields ordered, in-bounds tokens for random input', () => {
    const alphabet = ["'", '"', '$', '$$', '/*', '*/', '--', '//', '\n', ';', '@', '~', '%', '/', '\\', ':', '?', '.', '(', ')', ' ', 'a', 'Z', '9', 'file://', 'é', '\u3000', '\ud800', '-', '>', '>>', '=', '*', 'SELECT', 'COPY', 'INTO'];
    const rnd = mulberry32(20261126);
    const bad: string[] = [];
    for (let round = 0; round < 3000; round++) {
      let sql = '';
      const len = Math.floor(rnd() * 40);
      for (let k = 0; k < len; k++) sql += rnd() < 0.1 ? String.fromCharCode(Math.floor(rnd() * 0xffff)) : alphabet[Math.floor(rnd() * alphabet.length)];
      for (const alternative of [false, true]) {
        const { tokens } = tokenize(sql, { alternative });
        let last = 0;
        for (const t of tokens as Token[]) {
          const ok = t.start >= last && t.end > t.start && t.end <= sql.length && sql.slice(t.start, t.end) === t.text;
          if (!ok) bad.push(JSON.stringify({ round, sql, token: t }));
          last = t.end;
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
