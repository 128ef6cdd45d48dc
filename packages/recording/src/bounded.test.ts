import { describe, expect, it } from '@jest/globals';
import { runBounded } from './bounded.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('runBounded', () => {
  it('runs at most the limit at once and returns results in task order', async () => {
    let running = 0;
    let most = 0;
    const results = await runBounded(
      Array.from({ length: 9 }, (_, i) => async () => {
        most = Math.max(most, ++running);
        await tick();
        running--;
        return i * 10;
      }),
      3,
    );
    expect(most).toBe(3);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
  });

  it('after a failure starts nothing more, waits for every task in flight, then rejects with the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = runBounded(
      Array.from({ length: 8 }, (_, i) => async () => {
        started.push(i);
        if (i === 1) throw new Error('part 1 failed');
        await tick();
        await tick();
        finished.push(i);
        return i;
      }),
      3,
    );
    await expect(run).rejects.toThrow('part 1 failed');
    // 0 and 2 were in flight when 1 failed: both had finished before the rejection; 3.. never started.
    expect(started).toEqual([0, 1, 2]);
    expect(finished.sort()).toEqual([0, 2]);
  });

  it('rejects a limit below one', async () => {
    await expect(runBounded([async () => 1], 0)).rejects.toThrow(/limit/);
  });
});
