import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';

/** Callbacks for cache changes. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T): void;
  onDelete?(obj: T): void;
}

/** A cache kept in sync by list+watch, restarted with capped jittered backoff whenever it fails. */
export interface SupervisedInformer<T extends KubernetesObject> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** Resolves once the first list has been applied. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

// client-node's Watch does not ask for bookmarks; with them the resourceVersion a reconnect resumes
// from stays recent even for quiet resources, which avoids needless 410 Gone relists.
class BookmarkWatch extends Watch {
  override watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return super.watch(path, { ...queryParams, allowWatchBookmarks: true }, callback, done);
  }
}

/** Options of one supervised informer. */
export interface SupervisedInformerOptions<T extends KubernetesObject> extends InformerHandlers<T> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/secrets or /apis/snowtrail.dev/v1alpha1/namespaces/x/snowflakeaccesspolicies. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  logger: Logger;
  backoff?: { baseMs?: number; capMs?: number };
}

/**
 * Starts a ListWatch and supervises it: client-node relists by itself on 410 Gone and re-watches
 * when a watch ends, but stops on any other error; this restarts it after a capped, jittered,
 * growing delay, reset once a list succeeds again.
 */
export function startSupervisedInformer<T extends KubernetesObject>(options: SupervisedInformerOptions<T>): SupervisedInformer<T> {
  const log = options.logger.child({ informer: options.path });
  let attempt = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveSynced!: () => void;
  const syncedPromise = new Promise<void>((r) => (resolveSynced = r));
  const listFn = async () => {
    const list = await options.list();
    attempt = 0;
    // The list is applied right after this resolves; resolving synced on the next tick keeps
    // waiters from seeing a half-applied cache.
    setImmediate(resolveSynced);
    return list;
  };
  const lw = new ListWatch<T>(options.path, new BookmarkWatch(options.kubeConfig), listFn, false, options.labelSelector, options.fieldSelector);
  if (options.onAdd) lw.on('add', options.onAdd);
  if (options.onUpdate) lw.on('update', options.onUpdate);
  if (options.onDelete) lw.on('delete', options.onDelete);
  // client-node's ListWatch.stop() only aborts a watch that is already open: stopped while its list
  // (or the watch request) is in flight, it goes on to open the watch anyway, and that socket keeps
  // the process alive. So every start is tracked, and one that completes after stop is stopped again.
  let starting: Promise<void> = Promise.resolve();
  const start = (): void => {
    starting = lw.start().then(
      () => (stopped ? lw.stop() : undefined),
      () => undefined,
    );
  };
  lw.on('error', (err: unknown) => {
    if (stopped) return;
    const delay = backoffDelay(attempt++, options.backoff);
    log.warn({ err, attempt, delayMs: delay }, 'informer failed; restarting');
    timer = setTimeout(() => {
      if (!stopped) start();
    }, delay);
  });
  start();
  return {
    get: (name, namespace) => lw.get(name, namespace),
    list: (namespace) => lw.list(namespace),
    synced: () => syncedPromise,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await lw.stop();
      await starting;
    },
  };
}
