import { describe, expect, it } from '@jest/globals';
import { jsonChunkRows } from './json-rows.js';

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
});
