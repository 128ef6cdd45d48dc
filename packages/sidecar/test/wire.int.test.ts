import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startStack, type Stack } from './harness.js';
import { rawLogin, rawQuery } from './raw-client.js';

/** Exact bytes of a GET (no decompression). */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

describe('wire details', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('accepts gzip request bodies without a header (Python connector) and re-sends them intact', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    const res = await fetch(`${stack.sidecar.url}/queries/v1/query-request?requestId=${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${handle}"` },
      body: gzipSync(JSON.stringify({ sqlText: 'select 40 + 2 as n', sequenceId: 1, querySubmissionTime: Date.now() })),
    });
    const env = (await res.json()) as { success: boolean; data: { rowset: string[][] } };
    expect(env.success).toBe(true);
    expect(env.data.rowset).toEqual([['42']]);
  });

  it('refuses unknown endpoints with a Snowflake error instead of forwarding them', async () => {
    const res = await fetch(`${stack.sidecar.url}/session/authenticator-request`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: false, code: '399504' });
  });

  it('serves /healthz, /readyz and /metrics on the admin listener', async () => {
    expect((await fetch(`${stack.sidecar.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.sidecar.adminUrl}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${stack.sidecar.adminUrl}/metrics`)).text();
    expect(text).toContain('snowtrail_sidecar_logins_total');
    expect(text).toContain('snowtrail_build_info{component="sidecar",version="0.1.0"} 1');
  });
});

/**
 * Arrow results come from Python, Go and JDBC sessions; the emulator (for snowflake-sdk) only speaks
 * JSON, so a fixture upstream serves one Arrow-shaped answer the way Snowflake does (§6.4).
 */
describe('Arrow results pass through byte for byte', () => {
  let stack: Stack;
  let fixture: Server;
  const rowsetBase64 = randomBytes(300).toString('base64');
  const chunkBytes = gzipSync(randomBytes(5000));
  const loginHeaders: Record<string, unknown>[] = [];
  beforeAll(async () => {
    fixture = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/session/v1/login-request') loginHeaders.push({ ...req.headers });
      const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (url.pathname === '/session/v1/login-request') return json({ success: true, code: null, message: null, data: { token: 'REAL-ST', masterToken: 'REAL-MT', validityInSeconds: 3600, masterValidityInSeconds: 14400 } });
      if (req.headers.authorization !== 'Snowflake Token="REAL-ST"' && !url.pathname.startsWith('/stage/')) return json({ success: false, code: '390104', message: 'bad token', data: null });
      if (url.pathname === '/queries/v1/query-request') {
        return json({
          success: true, code: null, message: null,
          data: { queryId: '01b00000-0000-4000-8000-000000000001', queryResultFormat: 'arrow', rowtype: [{ name: 'X', type: 'fixed' }], rowsetBase64, returned: 20, total: 20,
            chunks: [{ url: `http://127.0.0.1:${(fixture.address() as AddressInfo).port}/stage/moved?sig=1`, rowCount: 10 }], qrmk: 'S2V5', parameters: [] },
        });
      }
      // Storage may redirect (drivers follow, docs/protocol.md §6.1); so does the sidecar.
      if (url.pathname === '/stage/moved') return res.writeHead(302, { location: '/stage/c0?sig=1' }).end();
      if (url.pathname === '/stage/c0') {
        if (req.headers['x-amz-server-side-encryption-customer-key'] !== 'S2V5') return res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error/>');
        return res.writeHead(200, { 'content-type': 'binary/octet-stream', 'content-encoding': 'gzip', 'content-length': String(chunkBytes.length) }).end(chunkBytes);
      }
      return json({ success: true, code: null, message: null, data: null });
    });
    await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', () => r()));
    stack = await startStack({ config: (c) => ((c.upstream as Record<string, unknown>).url = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}`) });
  });
  afterAll(async () => {
    await stack.close();
    await new Promise<void>((r) => {
      fixture.closeAllConnections();
      fixture.close(() => r());
    });
  });

  it('keeps rowsetBase64 and the Arrow chunk bytes unchanged (through a storage redirect) and records them as arrow', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    expect(handle).not.toContain('REAL');
    // Underscore headers reach Snowflake (nginx would drop them by default, docs/protocol.md §1.2).
    expect(loginHeaders[0]).toMatchObject({ client_app_id: 'JavaScript', client_app_version: '3.3.0' });
    const env = await rawQuery(stack.sidecar.url, handle, 'select x from t');
    expect(env.data.rowsetBase64).toBe(rowsetBase64);
    const chunk = await rawGet(env.data.chunks![0]!.url);
    expect(chunk.status).toBe(200);
    expect(chunk.headers['content-encoding']).toBe('gzip');
    expect(chunk.body.equals(chunkBytes)).toBe(true);
    const recorded = stack.memory!.events.filter((e) => e.type === 'result');
    expect(recorded.map((e) => (e.info as { format: string; part: string }).format)).toEqual(['arrow', 'arrow']);
    const part = recorded.find((e) => (e.info as { part: string }).part === 'chunk:0')!;
    expect(part.bytes!.equals(chunkBytes)).toBe(true);
    expect((part.info as { compression: string }).compression).toBe('gzip');
    expect((recorded[0]!.info as { rowCount: number }).rowCount).toBe(10);
  });
});
