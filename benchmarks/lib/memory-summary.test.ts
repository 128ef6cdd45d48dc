import { describe, expect, it } from '@jest/globals';
import { summarizeSamples } from './memory-summary.js';
import type { MemorySample } from './memory-probe.js';

const MiB = 2 ** 20;
const sample = (t: number, rss: number, heapTotal: number, external: number, heapUsed = 1, newSpace = 1): MemorySample => ({ t, rss: rss * MiB, heapTotal: heapTotal * MiB, heapUsed: heapUsed * MiB, external: external * MiB, arrayBuffers: external * MiB, newSpace: newSpace * MiB, oldSpace: MiB });

describe('memory probe summaries', () => {
  it('tells what the peak RSS was made of, the peak of each figure, and one sample a second', () => {
    const s = summarizeSamples([sample(0, 60, 10, 5), sample(400, 200, 80, 30, 70, 64), sample(1100, 150, 90, 20, 20, 8), sample(1900, 140, 40, 60)]);
    expect(s.atPeak.t).toBe(400);
    expect(s.otherAtPeak).toBe(90 * MiB);
    expect(s.max).toEqual({ rss: 200 * MiB, heapTotal: 90 * MiB, heapUsed: 70 * MiB, external: 60 * MiB, arrayBuffers: 60 * MiB, newSpace: 64 * MiB, oldSpace: MiB });
    expect(s.everySecond.map((x) => x.t)).toEqual([400, 1900]);
    expect(() => summarizeSamples([])).toThrow(/no memory samples/);
  });
});
