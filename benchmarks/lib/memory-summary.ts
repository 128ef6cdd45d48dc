/** Summaries of lib/memory-probe.ts's samples (pure). */
import type { MemorySample } from './memory-probe.js';

/** What a run's memory was made of. */
export interface MemorySummary {
  /** The sample with the highest RSS. */
  atPeak: MemorySample;
  /** RSS at the peak not accounted for by the V8 heap or external memory: code, native allocations, allocator arenas. */
  otherAtPeak: number;
  /** Highest value of each figure over the run (not necessarily at the same moment). */
  max: Omit<MemorySample, 't'>;
  /** The last sample of each second, for a timeline. */
  everySecond: MemorySample[];
}

/** Summarizes samples (at least one). */
export function summarizeSamples(samples: readonly MemorySample[]): MemorySummary {
  const first = samples[0];
  if (!first) throw new Error('no memory samples');
  let atPeak = first;
  const max = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0, newSpace: 0, oldSpace: 0 };
  const bySecond = new Map<number, MemorySample>();
  for (const s of samples) {
    if (s.rss > atPeak.rss) atPeak = s;
    for (const k of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'newSpace', 'oldSpace'] as const) max[k] = Math.max(max[k], s[k]);
    bySecond.set(Math.floor(s.t / 1000), s);
  }
  return { atPeak, otherAtPeak: atPeak.rss - atPeak.heapTotal - atPeak.external, max, everySecond: [...bySecond.values()] };
}
