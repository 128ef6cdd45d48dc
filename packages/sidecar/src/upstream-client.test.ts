import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamClient } from './upstream-client.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('attack: a chunk origin redirecting elsewhere', () => {
  let origin: Server;
  let elsewhere: Server;
  let originPort: number;
  let elsewherePort: number;
  const hits: { path: string; sse?: string }[] = [];
  beforeAll(async () => {
    elsewhere = createServer((req, res) => {
      hits.push({ path: req.url ?? '', sse: req.headers['x-amz-server-side-encryption-customer-key'] as string | undefined });
      res.end('stolen');
    });
    elsewherePort = await listen(elsewhere);
    origin = createServer((req, res) => {
      if (req.url === '/away') res.writeHead(302, { location: `http://localhost:${elsewherePort}/loot` }).end();
      else if (req.url === '/moved') res.writeHead(301, { location: '/chunk' }).end();
      else res.end(`chunk for ${req.headers['x-amz-server-side-encryption-customer-key']}`);
    });
    originPort = await listen(origin);
  });
  afterAll(async () => {
    await new Promise((r) => origin.close(r));
    await new Promise((r) => elsewhere.close(r));
  });

  const client = (): UpstreamClient => new UpstreamClient({ url: 'http://127.0.0.1:1', timeoutMs: 5000, maxAnswerBytes: 1024, retries: 0 });

  it('refuses a redirect to another host and never contacts it', async () => {
    const c = client();
    await expect(c.chunk(`http://127.0.0.1:${originPort}/away`, { 'x-amz-server-side-encryption-customer-key': 'K' })).rejects.toMatchObject({
      code: 'SNOWTRAIL_ERR_SIDECAR_UPSTREAM_BAD_ANSWER',
      message: `the chunk origin 127.0.0.1:${originPort} redirected to another host (localhost:${elsewherePort}); not followed`,
    });
    expect(hits).toEqual([]);
    await c.close();
  });

  it('follows a redirect on the same host, with the SSE-C headers', async () => {
    const c = client();
    const r = await c.chunk(`http://127.0.0.1:${originPort}/moved`, { 'x-amz-server-side-encryption-customer-key': 'K' });
    expect(r.status).toBe(200);
    expect(await r.body.text()).toBe('chunk for K');
    await c.close();
  });
});
