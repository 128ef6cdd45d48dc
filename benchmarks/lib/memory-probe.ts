/**
 * Preloaded into a CLI process (`node --import <this file> snowtrail.mjs …`) to see what its memory
 * is made of over time: every `SNOWTRAIL_MEMORY_PROBE_MS` (default 50) ms it samples
 * `process.memoryUsage()` and, when the process exits, writes the samples as JSON lines to the file
 * named by `SNOWTRAIL_MEMORY_PROBE`. Node strips the types itself, so the measured process loads no
 * transpiler (tsx would add tens of MiB to the figures). Only node: built-ins, nothing to resolve.
 */
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/** One sample, in bytes, `t` in ms since the probe started. */
export interface MemorySample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** V8's young generation (new space) and old space, reserved. */
  newSpace: number;
  oldSpace: number;
}

const file = process.env.SNOWTRAIL_MEMORY_PROBE;
const everyMs = Number(process.env.SNOWTRAIL_MEMORY_PROBE_MS ?? 50);

if (file) {
  const start = performance.now();
  const samples: MemorySample[] = [];
  const sample = (): void => {
    const m = process.memoryUsage();
    const spaces = getHeapSpaceStatistics();
    const space = (name: string): number => spaces.find((s) => s.space_name === name)?.space_size ?? 0;
    samples.push({ t: Math.round(performance.now() - start), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, newSpace: space('new_space'), oldSpace: space('old_space') });
  };
  sample();
  // unref: the probe must never keep the command alive.
  setInterval(sample, everyMs).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(file, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  });
}
