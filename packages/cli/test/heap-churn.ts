/**
 * What the streaming commands do to the heap, in small: rows parsed and dropped by the million while
 * a few MiB stay live. Prints the largest young and old generation (MiB) seen, as JSON; with `policy`,
 * the streaming heap policy is applied first.
 *   node --import tsx heap-churn.ts [policy]
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { applyStreamingHeapPolicy } from '../src/commands/streaming-heap.js';

if (process.argv[2] === 'policy') applyStreamingHeapPolicy();
const space = (name: string): number => (getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? 0) / 2 ** 20;
let young = 0;
let old = 0;
const live: unknown[][] = [];
for (let i = 0; i < 4_000_000; i++) {
  const row = JSON.parse(`["${i}","label-${i % 9973}","1793491201.000000000","${i / 7}"]`) as unknown[];
  // A live set of about 2 MiB, rows replaced as they go (like a part decoded while earlier rows are written).
  live[i % 20_000] = row;
  if (i % 2000 === 0) {
    young = Math.max(young, space('new_space'));
    old = Math.max(old, space('old_space'));
    // Let the event loop turn, as a streaming command does at every read and write.
    await new Promise((r) => setImmediate(r));
  }
}
process.stdout.write(`${JSON.stringify({ young, old })}\n`);
