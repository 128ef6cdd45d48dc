import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';

/** Rewrites the config file the way the kubelet does (write elsewhere, then rename over). */
async function rewriteConfig(stack: Stack, edit: (c: Record<string, unknown>) => void): Promise<void> {
  const c = JSON.parse(await readFile(stack.configFile, 'utf8')) as Record<string, unknown>;
  edit(c);
  await writeFile(`${stack.configFile}.next`, JSON.stringify(c, null, 2));
  await rename(`${stack.configFile}.next`, stack.configFile);
}

/** Waits (bounded) until the watcher reports a reload with the given outcome. */
async function waitForReload(stack: Stack, outcome: 'success' | 'failure', before: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await metricValue(stack.registry, 'snowtrail_sidecar_config_reloads_total', { outcome })) > before) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${outcome} reload observed`);
}

describe('result limits and config hot reload', () => {
  let stack: Stack;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack({
      configPath: true,
      emulator: { chunking: { inlineRows: 1000, rowsPerChunk: 20000 } },
      config: (c) => {
        (c.policy as Record<string, unknown>).limits = { maxResultRows: 5000 };
      },
    });
    conn = await stack.connect();
  });
  afterAll(async () => {
    await destroy(conn);
    await stack.close();
  });

  it('refuses a result over maxResultRows with a clear error, delivers nothing, and the connection stays usable', async () => {
    const chunkBytesBefore = await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total');
    let err: { code?: unknown; sqlState?: string; message: string } | undefined;
    try {
      await execute(conn!, 'select range as id from range(6000)');
    } catch (e) {
      err = e as typeof err;
    }
    expect(String(err?.code)).toBe('399501');
    expect(err?.sqlState).toBe('54000');
    expect(err?.message).toContain('policy limit of 5000 rows');
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total')).toBe(chunkBytesBefore);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_limit_breaches_total', { limit: 'rows' })).toBe(1);
    const { rows } = await execute(conn!, 'select range as id from range(5000)');
    expect(rows).toHaveLength(5000);
  });

  it('picks up a new policy from a replaced file without dropping the session', async () => {
    const before = await metricValue(stack.registry, 'snowtrail_sidecar_config_reloads_total', { outcome: 'success' });
    await rewriteConfig(stack, (c) => {
      c.policy = { name: 'etl', generation: 2, defaultAction: 'allow', statements: [{ action: 'deny', classes: ['SELECT'], objects: ['ORDERS', '*.*.ORDERS'], reason: 'orders are off limits now' }], limits: {} };
    });
    await waitForReload(stack, 'success', before);
    let err: { code?: unknown; message: string } | undefined;
    try {
      await execute(conn!, 'select * from orders');
    } catch (e) {
      err = e as typeof err;
    }
    expect(String(err?.code)).toBe('003001');
    expect(err?.message).toContain('orders are off limits now');
    const { rows } = await execute(conn!, 'select range as id from range(6000)');
    expect(rows).toHaveLength(6000);
  });

  it('keeps the running config when the new file is invalid, and counts the failure', async () => {
    const before = await metricValue(stack.registry, 'snowtrail_sidecar_config_reloads_total', { outcome: 'failure' });
    await rewriteConfig(stack, (c) => {
      c.policy = { name: 'etl', defaultAction: 'sometimes' };
    });
    await waitForReload(stack, 'failure', before);
    await expect(execute(conn!, 'select * from orders')).rejects.toMatchObject({ code: '003001' });
  });

  it('cuts a chunked result at maxResultBytes: the chunk GET fails and the driver reports it', async () => {
    const inlineAndChunks = await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total');
    await execute(conn!, "select range as id, 'label-' || range as l from range(60000)");
    const fullChunkBytes = (await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total')) - inlineAndChunks;
    const limit = Math.floor(fullChunkBytes / 2);
    const before = await metricValue(stack.registry, 'snowtrail_sidecar_config_reloads_total', { outcome: 'success' });
    await rewriteConfig(stack, (c) => {
      c.policy = { name: 'etl', generation: 4, defaultAction: 'allow', statements: [], limits: { maxResultBytes: limit } };
    });
    await waitForReload(stack, 'success', before);
    const sentBefore = await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total');
    let err: { code?: unknown; message: string } | undefined;
    try {
      await execute(conn!, "select range as id, 'label-' || range as l from range(60000)");
    } catch (e) {
      err = e as typeof err;
    }
    // snowflake-sdk reports a failed chunk download as LargeResultSetError 402002 "Request to S3/Blob failed."
    expect(String(err?.code)).toBe('402002');
    const delivered = (await metricValue(stack.registry, 'snowtrail_sidecar_chunk_bytes_total')) - sentBefore;
    expect(delivered).toBeLessThanOrEqual(limit);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_limit_breaches_total', { limit: 'bytes' })).toBeGreaterThanOrEqual(1);
    const { rows } = await execute(conn!, 'select 1 as usable');
    expect(rows).toEqual([{ USABLE: 1 }]);
  });
});
