/**
 * Runs async tasks with a bound on how many run at once (parts of a multipart upload, blobs of a
 * session). Fail closed: after the first failure no further task starts, and the returned promise
 * settles only once every task already running has settled, so a caller that cleans up after a
 * failure (aborting a multipart upload) never races a request still in flight.
 */

/** Runs `tasks`, at most `limit` at once; resolves with their results in task order, or rejects with the first error. */
export async function runBounded<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`runBounded: limit must be an integer ≥ 1, got ${limit}`);
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await tasks[i]!();
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure.err;
  return results;
}
