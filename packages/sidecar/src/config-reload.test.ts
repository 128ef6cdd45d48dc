import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { validateSidecarConfig, type SidecarConfig } from '@snowtrail/config';
import { mergeReloadedConfig, watchConfigFile, type ConfigWatcher } from './config-reload.js';
import { createSidecarMetrics } from './metrics.js';

const input = (generation: number, port = 8089) => ({
  listen: { port },
  identity: { issuer: 'https://k', jwksFile: '/etc/snowtrail/jwks.json', podUid: 'p', allowedSubjects: ['system:serviceaccount:a:b'] },
  upstream: { url: 'https://x.snowflakecomputing.com', account: 'X', user: 'U', auth: { type: 'pat', tokenFile: '/t' } },
  policy: { name: 'p', generation },
  recording: { store: { type: 'dir', path: '/r' }, signing: { keyFile: '/s' } },
});

describe('config hot reload', () => {
  let dir: string | undefined;
  let watcher: ConfigWatcher | undefined;
  afterEach(async () => {
    watcher?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies policy and identity rules at once and keeps restart-only sections', () => {
    const running = validateSidecarConfig(input(1));
    const { config, needsRestart } = mergeReloadedConfig(running, validateSidecarConfig(input(2, 9999)));
    expect(config.policy.generation).toBe(2);
    expect(config.listen.port).toBe(8089);
    expect(needsRestart).toEqual(['listen']);
  });

  it('follows a kubelet ConfigMap update (..data symlink swap) and counts outcomes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'snowtrail-cm-'));
    const writeVersion = async (name: string, body: string): Promise<void> => {
      await mkdir(join(dir!, name));
      await writeFile(join(dir!, name, 'config.yaml'), body);
      await symlink(name, join(dir!, '..data_tmp'));
      await rename(join(dir!, '..data_tmp'), join(dir!, '..data'));
    };
    await writeVersion('..v1', JSON.stringify(input(1)));
    await symlink('..data/config.yaml', join(dir, 'config.yaml'));
    let current: SidecarConfig = validateSidecarConfig(input(1));
    const registry = new Registry();
    const metrics = createSidecarMetrics(registry, 't');
    const applied: number[] = [];
    watcher = watchConfigFile({ path: join(dir, 'config.yaml'), current: () => current, apply: (c) => { current = c; applied.push(c.policy.generation); }, logger: pino({ level: 'silent' }), metrics, debounceMs: 20 });
    await writeVersion('..v2', JSON.stringify(input(2)));
    for (let i = 0; i < 100 && applied.length === 0; i++) await new Promise((r) => setTimeout(r, 30));
    expect(applied).toEqual([2]);
    await writeVersion('..v3', '{ "policy": { "defaultAction": "maybe" } }');
    expect(await watcher.reload()).toBe('failure');
    expect(current.policy.generation).toBe(2);
    const values = (await registry.getSingleMetric('snowtrail_sidecar_config_reloads_total')!.get()).values;
    expect(values.find((v) => v.labels.outcome === 'success')?.value).toBe(1);
    expect(values.find((v) => v.labels.outcome === 'failure')?.value).toBeGreaterThanOrEqual(1);
  });
});
