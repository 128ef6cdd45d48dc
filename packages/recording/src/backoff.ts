/** Capped exponential backoff with full jitter (AWS architecture blog): spreads retries of many sidecars. */

/** Delay before retry `attempt` (0-based), in ms. */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 200, capMs = 5000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.floor(random() * ceiling);
}

/** Sleeps `ms`, returning early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
