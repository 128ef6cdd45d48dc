import { backoffDelay } from './backoff.js';

/** Options of the work queue. */
export interface WorkQueueOptions {
  /** Processes one key; a rejection re-queues it with backoff. */
  process: (key: string) => Promise<void>;
  concurrency?: number;
  backoff?: { baseMs?: number; capMs?: number };
  onError?: (key: string, err: unknown, attempt: number) => void;
}

/** A keyed work queue: a key queued while waiting or running is processed once more, never twice at the same time. */
export interface WorkQueue {
  add(key: string): void;
  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  readonly size: number;
  stop(): void;
}

/** Creates a work queue (client-go's rate-limited workqueue, reduced to what the controller needs). */
export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const queued = new Set<string>();
  const running = new Set<string>();
  const dirty = new Set<string>();
  const attempts = new Map<string, number>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  const concurrency = options.concurrency ?? 4;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const checkIdle = () => {
    if (queued.size === 0 && running.size === 0 && retryTimers.size === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  const pump = () => {
    if (stopped) return;
    for (const key of queued) {
      if (running.size >= concurrency) break;
      if (running.has(key)) continue;
      queued.delete(key);
      running.add(key);
      options
        .process(key)
        .then(
          () => attempts.delete(key),
          (err: unknown) => {
            const attempt = (attempts.get(key) ?? 0) + 1;
            attempts.set(key, attempt);
            options.onError?.(key, err, attempt);
            if (stopped) return;
            const t = setTimeout(() => {
              retryTimers.delete(key);
              queue.add(key);
            }, backoffDelay(attempt, options.backoff));
            retryTimers.set(key, t);
          },
        )
        .finally(() => {
          running.delete(key);
          if (dirty.delete(key)) queued.add(key);
          pump();
          checkIdle();
        });
    }
  };

  const queue: WorkQueue = {
    add(key) {
      if (stopped) return;
      const t = retryTimers.get(key);
      if (t) {
        clearTimeout(t);
        retryTimers.delete(key);
      }
      if (running.has(key)) dirty.add(key);
      else queued.add(key);
      queueMicrotask(pump);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        queueMicrotask(checkIdle);
      }),
    get size() {
      return queued.size + running.size;
    },
    stop() {
      stopped = true;
      for (const t of retryTimers.values()) clearTimeout(t);
      retryTimers.clear();
      queued.clear();
      checkIdle();
    },
  };
  return queue;
}
