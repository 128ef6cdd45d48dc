/**
 * The streaming commands' heap policy (ADR 0098) takes effect: under a churn of parsed rows, the
 * young generation stays within its bound and the old generation near what is live, where V8's
 * defaults let both grow far past it. Each run is its own process (the policy changes V8 flags of
 * the process that applies it). If a Node.js upgrade stops honouring the flags at run time, this
 * fails here rather than as a memory figure in a benchmark.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { YOUNG_GENERATION_FREEZE_BYTES } from '../src/commands/streaming-heap.js';

jest.setTimeout(120_000);

function churn(policy: boolean): Promise<{ young: number; old: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'heap-churn.ts'), ...(policy ? ['policy'] : [])], { env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as { young: number; old: number });
    });
  });
}

describe('the heap policy of the streaming commands', () => {
  it('keeps the young generation small and the old one near what is live; V8\'s defaults do not', async () => {
    const defaults = await churn(false);
    const policy = await churn(true);
    // Stopped at 4 MiB, it may have doubled once or twice before the watch saw it: within 16 MiB (and a page or two).
    const boundMiB = (YOUNG_GENERATION_FREEZE_BYTES * 4) / 2 ** 20;
    expect(defaults.young).toBeGreaterThan(boundMiB * 2);
    expect(policy.young).toBeLessThanOrEqual(boundMiB * 1.25);
    expect(policy.old).toBeLessThan(defaults.old);
  });
});
