import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, destroy, execute, POD_CLAIMS, startStack, type Connection, type Stack } from './harness.js';

/** A loopback forwarder in front of the sidecar that records every status the driver receives. */
async function startWitness(target: string): Promise<{ url: string; statuses: number[]; close(): Promise<void> }> {
  const statuses: number[] = [];
  const t = new URL(target);
  const server: Server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const headers = { ...req.headers, host: t.host };
      fetch(`${target}${req.url}`, { method: req.method, headers: headers as unknown as Record<string, string>, ...(parts.length ? { body: Buffer.concat(parts) } : {}) })
        .then(async (r) => {
          statuses.push(r.status);
          const body = Buffer.from(await r.arrayBuffer());
          const out: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
          });
          res.writeHead(r.status, { ...out, 'content-length': String(body.length) }).end(body);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('failures upstream never reach the driver as a 5xx', () => {
  let stack: Stack;
  let witness: Awaited<ReturnType<typeof startWitness>>;
  let conn: Connection | undefined;
  beforeAll(async () => {
    stack = await startStack();
    witness = await startWitness(stack.sidecar.url);
    conn = await connect({ accessUrl: witness.url, account: 'SNOWTRAIL', authenticator: 'OAUTH', token: await stack.mint(POD_CLAIMS) });
  });
  afterAll(async () => {
    await destroy(conn);
    await witness.close();
    await stack.close();
  });

  it('retries a transient 503 from Snowflake itself: the statement just works', async () => {
    stack.emulator.faults.set({ serverError: { count: 1, status: 503, target: 'query' } });
    const { rows } = await execute(conn!, 'select 1 as x');
    expect(rows).toEqual([{ X: 1 }]);
  });

  it('answers a persistent 5xx with a 200 error 399503 naming the cause', async () => {
    stack.emulator.faults.set({ serverError: { count: 10, status: 502, target: 'query' } });
    await expect(execute(conn!, 'select 2 as x')).rejects.toMatchObject({ code: '399503', message: expect.stringContaining('HTTP 502') });
    stack.emulator.faults.clear();
  });

  it('answers connection resets with 399503 and recovers afterwards', async () => {
    stack.emulator.faults.set({ resetConnection: { count: 10, target: 'query' } });
    await expect(execute(conn!, 'select 3 as x')).rejects.toMatchObject({ code: '399503', message: expect.stringContaining('unreachable') });
    stack.emulator.faults.clear();
    const { rows } = await execute(conn!, 'select 4 as x');
    expect(rows).toEqual([{ X: 4 }]);
  });

  it('answers logins with 399503 when Snowflake is down', async () => {
    await stack.emulator.close();
    await expect(connect({ accessUrl: witness.url, account: 'SNOWTRAIL', authenticator: 'OAUTH', token: await stack.mint(POD_CLAIMS) })).rejects.toMatchObject({ code: '399503' });
    await expect(execute(conn!, 'select 5 as x')).rejects.toMatchObject({ code: '399503' });
  });

  it('never sent the driver a 5xx', () => {
    expect(witness.statuses.length).toBeGreaterThan(5);
    expect(witness.statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
