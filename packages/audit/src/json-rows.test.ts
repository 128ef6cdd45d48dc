import { describe, expect, it } from '@jest/globals';
import { jsonChunkRows, JsonRowSplitter } from './json-rows.js';

const rows = (text: string): unknown[] => [...jsonChunkRows(Buffer.from(text))];

describe('JSON chunk rows, one at a time', () => {
  it('yields the rows of a chunk (rows without the outer brackets) exactly as parsing it whole does', () => {
    const text = ' ["1", "a,b", null],\n["2", "]\\"[", "x\\\\"] , ["3", "é ✓", "[1,2]"]\n';
    expect(rows(text)).toEqual(JSON.parse(`[${text}]`));
    expect(rows('')).toEqual([]);
    expect(rows('  \n ')).toEqual([]);
  });

  it('is lazy: rows before a damaged one are yielded, then the damage throws', () => {
    const it = jsonChunkRows(Buffer.from('["1"],["2"],["3'))[Symbol.iterator]();
    expect(it.next().value).toEqual(['1']);
    expect(it.next().value).toEqual(['2']);
    expect(() => it.next()).toThrow(/cut off/);
  });

  it('refuses what parsing the chunk whole would refuse, and rows that are not arrays', () => {
    const refused = (bad: string): boolean => {
      try {
        rows(bad);
        return false;
      } catch {
        return true;
      }
    };
    for (const bad of ['["1"]["2"]', '["1"],', ',["1"]', '["1"],,["2"]', '["1"] x', '[1,]']) {
      expect(() => JSON.parse(`[${bad}]`)).toThrow();
      expect({ bad, refused: refused(bad) }).toEqual({ bad, refused: true });
    }
    // A row that is not an array is no row of a result, whatever JSON allows.
    for (const bad of ['{"a":1}', '"x"']) expect({ bad, refused: refused(bad) }).toEqual({ bad, refused: true });
  });

  it('gives the same rows, and refuses with the same message and byte offset, wherever the pieces cut the chunk', () => {
    /** Rows (or the error) of a chunk given in pieces cut at the given offsets. */
    const inPieces = (text: Buffer, cuts: number[]): { rows: unknown[]; error?: string } => {
      const splitter = new JsonRowSplitter();
      const rows: unknown[] = [];
      let from = 0;
      try {
        for (const to of [...cuts, text.length]) {
          for (const r of splitter.push(text.subarray(from, to))) rows.push(r);
          from = to;
        }
        splitter.end();
        return { rows };
      } catch (err) {
        return { rows, error: (err as Error).message };
      }
    };
    const whole = (text: Buffer): { rows: unknown[]; error?: string } => inPieces(text, []);
    // Multi-byte UTF-8, escapes and brackets inside strings, nested arrays and objects: every cut must land inside one of them somewhere.
    const good = Buffer.from(' ["1", "a,b", null],\n["2", "]\\"[", "x\\\\"] , ["3", "é ✓", "[1,2]", {"k":[1]}]\n');
    const bad = ['["1"],["2"],["3', '["1"]["2"]', '["1"],', '["1"],,["2"]', '["1"] x', '[1,]', '["1"],{"a":1}', '["é"], x'].map((t) => Buffer.from(t));
    for (const text of [good, ...bad]) {
      const expected = whole(text);
      for (let a = 0; a <= text.length; a++) {
        for (const b of [a, a + 1, a + 3]) {
          const cuts = b > a && b <= text.length ? [a, b] : [a];
          expect({ text: text.toString(), cuts, ...inPieces(text, cuts) }).toEqual({ text: text.toString(), cuts, ...expected });
        }
      }
    }
    expect(whole(good).rows).toEqual(JSON.parse(`[${good.toString()}]`));
    expect(whole(bad[0]!)).toEqual({ rows: [['1'], ['2']], error: 'JSON chunk is cut off inside the row at byte 12' });
  });
});
