import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { parseSidecarConfig, type SidecarConfig } from '@snowtrail/config';
import type { SidecarMetrics } from './metrics.js';

/**
 * Merges a newly loaded config into the running one: the policy, the identity rules and the log
 * level apply at once; listeners, upstream, JWKS source and recording need a restart and keep their
 * running values (the returned list names them so the log can say so).
 */
export function mergeReloadedConfig(running: SidecarConfig, next: SidecarConfig): { config: SidecarConfig; needsRestart: string[] } {
  const needsRestart: string[] = [];
  for (const key of ['listen', 'admin', 'upstream', 'recording'] as const) {
    if (JSON.stringify(running[key]) !== JSON.stringify(next[key])) needsRestart.push(key);
  }
  if (running.identity.jwksUri !== next.identity.jwksUri || running.identity.jwksFile !== next.identity.jwksFile) needsRestart.push('identity.jwks');
  return {
    config: {
      ...running,
      policy: next.policy,
      logLevel: next.logLevel,
      identity: { ...next.identity, jwksUri: running.identity.jwksUri, jwksFile: running.identity.jwksFile } as SidecarConfig['identity'],
    },
    needsRestart,
  };
}

/** A running watcher. */
export interface ConfigWatcher {
  /** Re-reads the file now (also used by tests). */
  reload(): Promise<'success' | 'failure' | 'unchanged'>;
  close(): void;
}

/**
 * Watches the config file and its directory: the kubelet updates a mounted ConfigMap by swapping the
 * `..data` symlink in the directory, which a watch on the file alone misses. Changes are debounced;
 * an invalid file keeps the running config and counts a failure.
 */
export function watchConfigFile(options: {
  path: string;
  current: () => SidecarConfig;
  apply: (config: SidecarConfig) => void;
  logger: Logger;
  metrics: SidecarMetrics;
  debounceMs?: number;
}): ConfigWatcher {
  let lastText: string | undefined;
  let lastFailedText: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const log = options.logger.child({ component: 'config' });
  void readFile(options.path, 'utf8').then((t) => (lastText ??= t), () => undefined);

  async function reloadNow(): Promise<'success' | 'failure' | 'unchanged'> {
    let text: string;
    try {
      text = await readFile(options.path, 'utf8');
    } catch (err) {
      // Mid-swap the file can briefly be missing; a later event reloads it.
      log.warn({ err }, 'config file unreadable; keeping the running config');
      options.metrics.configReloads.inc({ outcome: 'failure' });
      return 'failure';
    }
    if (text === lastText) return 'unchanged';
    // The same broken file seen again (several watch events for one update) is one failure.
    if (text === lastFailedText) return 'failure';
    let next: SidecarConfig;
    try {
      next = parseSidecarConfig(text, options.path);
    } catch (err) {
      lastFailedText = text;
      log.error({ issues: (err as { issues?: string[] }).issues, err }, 'config reload rejected; keeping the running config');
      options.metrics.configReloads.inc({ outcome: 'failure' });
      return 'failure';
    }
    lastText = text;
    lastFailedText = undefined;
    const { config, needsRestart } = mergeReloadedConfig(options.current(), next);
    options.apply(config);
    options.metrics.configReloads.inc({ outcome: 'success' });
    log.info({ policy: config.policy.name, generation: config.policy.generation, needsRestart }, 'config reloaded');
    return 'success';
  }
  const reload = (): Promise<'success' | 'failure' | 'unchanged'> => {
    const p = running.then(reloadNow, reloadNow);
    running = p;
    return p;
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  const name = basename(options.path);
  for (const [target, filter] of [[options.path, undefined], [dirname(options.path), name]] as const) {
    try {
      const w = watch(target, { persistent: false }, (_event, file) => {
        if (filter === undefined || file === null || file === filter || String(file).startsWith('..')) schedule();
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch (err) {
      log.warn({ err, target }, 'cannot watch');
    }
  }
  return {
    reload,
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
