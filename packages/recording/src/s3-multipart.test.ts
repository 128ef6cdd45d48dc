import { describe, expect, it } from '@jest/globals';
import { partRanges } from './s3-multipart.js';

describe('partRanges', () => {
  it('covers every byte once, in order, numbered from 1, the last part short', () => {
    const MiB = 1024 * 1024;
    const ranges = partRanges(23 * MiB + 7, 5 * MiB);
    expect(ranges.map((r) => r.partNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(ranges[0]).toEqual({ partNumber: 1, start: 0, end: 5 * MiB });
    expect(ranges[4]).toEqual({ partNumber: 5, start: 20 * MiB, end: 23 * MiB + 7 });
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
  });

  it('gives one part for a body no larger than a part', () => {
    expect(partRanges(10, 10)).toEqual([{ partNumber: 1, start: 0, end: 10 }]);
  });
});
