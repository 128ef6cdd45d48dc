import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createKubeClients, kubeConfigForServer, apiStatus, type KubeClients } from '../kube/kube-clients.js';
import { startKubeApiServer, type KubeApiServer } from './kube-api-server.js';

/** Reads watch lines until `done` says enough, then hangs up. */
async function readWatch(url: string, done: (lines: { type: string; object: unknown }[]) => boolean): Promise<{ type: string; object: unknown }[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const lines: { type: string; object: unknown }[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      if (done(lines)) break;
    }
  } finally {
    ac.abort();
  }
  return lines;
}

/** The HTTP status a rejected call carried. */
const statusOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => apiStatus(e));

describe('in-process Kubernetes API server (driven by client-node)', () => {
  let api: KubeApiServer;
  let k: KubeClients;
  beforeAll(async () => {
    api = await startKubeApiServer({ version: 'v1.28.4', bookmarkIntervalMs: 50 });
    k = createKubeClients(kubeConfigForServer(api.url));
  });
  afterAll(() => api.close());

  it('creates, gets, conflicts and 404s like the API server', async () => {
    const cm = await k.core.createNamespacedConfigMap({ namespace: 'a', body: { metadata: { name: 'c' }, data: { x: '1' } } });
    expect(cm.metadata?.uid).toBeDefined();
    expect(await statusOf(k.core.createNamespacedConfigMap({ namespace: 'a', body: { metadata: { name: 'c' } } }))).toBe(409);
    expect(await statusOf(k.core.readNamespacedConfigMap({ namespace: 'a', name: 'nope' }))).toBe(404);
    expect(await statusOf(k.core.replaceNamespacedConfigMap({ namespace: 'a', name: 'c', body: { metadata: { name: 'c', resourceVersion: '1' }, data: {} } }))).toBe(409);
  });

  it('applies JSON, merge and strategic merge patches by content type', async () => {
    await k.core.patchNamespacedConfigMap({ namespace: 'a', name: 'c', body: [{ op: 'add', path: '/data/y', value: '2' }] });
    await k.core.patchNamespacedConfigMap({ namespace: 'a', name: 'c', body: { data: { x: null, z: '3' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await k.core.patchNamespacedConfigMap({ namespace: 'a', name: 'c', body: { metadata: { labels: { l: 'v' } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    const cm = await k.core.readNamespacedConfigMap({ namespace: 'a', name: 'c' });
    expect(cm.data).toEqual({ y: '2', z: '3' });
    expect(cm.metadata?.labels).toEqual({ l: 'v' });
    expect(await statusOf(k.core.patchNamespacedConfigMap({ namespace: 'a', name: 'c', body: {} }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)))).toBe(415);
  });

  it('keeps spec and status apart for a status subresource and bumps generation on spec changes only', async () => {
    const base = { group: 'snowtrail.dev', version: 'v1alpha1', namespace: 'a', plural: 'snowflakeaccesspolicies' };
    await k.custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'snowtrail.dev/v1alpha1', kind: 'SnowflakeAccessPolicy', metadata: { name: 'p' }, spec: { a: 1 }, status: { sneaky: true } } });
    let p = (await k.custom.getNamespacedCustomObject({ ...base, name: 'p' })) as { metadata: { generation: number }; status?: unknown };
    expect(p.metadata.generation).toBe(1);
    expect(p.status).toBeUndefined();
    await k.custom.patchNamespacedCustomObjectStatus({ ...base, name: 'p', body: { status: { observedGeneration: 1 }, spec: { a: 99 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    p = (await k.custom.getNamespacedCustomObject({ ...base, name: 'p' })) as typeof p & { spec: { a: number } };
    expect(p).toMatchObject({ metadata: { generation: 1 }, spec: { a: 1 }, status: { observedGeneration: 1 } });
    await k.custom.patchNamespacedCustomObject({ ...base, name: 'p', body: { spec: { a: 2 }, status: { observedGeneration: 7 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    p = (await k.custom.getNamespacedCustomObject({ ...base, name: 'p' })) as typeof p;
    expect(p).toMatchObject({ metadata: { generation: 2 }, spec: { a: 2 }, status: { observedGeneration: 1 } });
  });

  it('streams watch events from a resourceVersion, sends bookmarks when asked, and answers 410 Gone after compaction', async () => {
    const rv = api.store.resourceVersion;
    api.create('configmaps', { metadata: { name: 'w1', namespace: 'b' } });
    const lines = await readWatch(`${api.url}/api/v1/namespaces/b/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, (ls) => ls.some((l) => l.type === 'BOOKMARK'));
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w1' } } });
    const bookmark = lines.find((l) => l.type === 'BOOKMARK')!;
    expect(Number((bookmark.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion)).toBeGreaterThan(rv);
    api.store.compact();
    const gone = await readWatch(`${api.url}/api/v1/namespaces/b/configmaps?watch=true&resourceVersion=${rv}`, (ls) => ls.length > 0);
    expect(gone[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('serves the non-resource endpoints the operator reads', async () => {
    expect(await k.getJson('/version')).toMatchObject({ major: '1', minor: '28' });
    expect(await k.getJson('/openid/v1/jwks')).toEqual({ keys: [] });
  });
});
