import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { SnowflakeEnvelope } from '@snowtrail/protocol';
import { metricValue, startStack, type Stack } from './harness.js';
import { rawLogin, rawQuery, rawResult } from './raw-client.js';

/** Sends an authenticated request under a session handle and returns the envelope. */
async function rawCall(url: string, handle: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<SnowflakeEnvelope<Record<string, unknown>>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Snowflake Token="${handle}"` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SnowflakeEnvelope<Record<string, unknown>>;
}

describe('attack: one session of a sidecar reaching into another', () => {
  let stack: Stack;
  let owner: string;
  let other: string;
  let queryId: string;
  beforeAll(async () => {
    stack = await startStack({ tap: true, emulator: { queryWaitMs: 200, chunking: { inlineRows: 100, rowsPerChunk: 1000 } } });
    owner = await rawLogin(stack.sidecar.url, await stack.mint());
    other = await rawLogin(stack.sidecar.url, await stack.mint());
    queryId = (await rawQuery(stack.sidecar.url, owner, 'select range as id from range(2500)')).data.queryId!;
  });
  afterAll(async () => {
    await stack.close();
  });

  const sessions = (): string[] => [...new Set(stack.memory!.events.filter((e) => e.type === 'session.start').map((e) => e.session!))];

  /** Runs an attempt from the other session and checks: refused, not forwarded, recorded only in the attempting session. */
  async function expectRefused(attempt: () => Promise<SnowflakeEnvelope<Record<string, unknown>>>, endpoint: string): Promise<void> {
    const [ownerSession, otherSession] = sessions();
    const upstreamBefore = stack.tap!.requests.length;
    const eventsBefore = stack.memory!.events.length;
    const env = await attempt();
    expect(env).toMatchObject({ success: false, code: '399506', data: { sqlState: '42501', queryId } });
    expect(env.message).toBe(`snowtrail: query ${queryId} belongs to another session of this sidecar; its result, status and cancellation are served only to the session that ran it`);
    expect(stack.tap!.requests.slice(upstreamBefore)).toEqual([]);
    const added = stack.memory!.events.slice(eventsBefore);
    expect(added.filter((e) => e.session === ownerSession)).toEqual([]);
    expect(added).toEqual([{ type: 'access.refused', session: otherSession, info: { endpoint, queryId } }]);
  }

  it('refuses fetching another session\'s result by query id', async () => {
    await expectRefused(() => rawResult(stack.sidecar.url, other, queryId) as never, 'queryResult');
  });

  it('refuses monitoring another session\'s query', async () => {
    await expectRefused(() => rawCall(stack.sidecar.url, other, 'GET', `/monitoring/queries/${queryId}`), 'monitoring');
  });

  it('refuses aborting another session\'s query by query id', async () => {
    await expectRefused(() => rawCall(stack.sidecar.url, other, 'POST', `/queries/${queryId}/abort-request`, {}), 'abortByQueryId');
  });

  it('refuses aborting another session\'s running statement by request id', async () => {
    const requestId = crypto.randomUUID();
    const running = fetch(`${stack.sidecar.url}/queries/v1/query-request?requestId=${requestId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/snowflake', authorization: `Snowflake Token="${owner}"` },
      body: JSON.stringify({ sqlText: 'call system$wait(1)' }),
    }).then((r) => r.json() as Promise<SnowflakeEnvelope<Record<string, unknown>>>);
    await new Promise((r) => setTimeout(r, 50));
    const upstreamBefore = stack.tap!.requests.filter((r) => r.path.startsWith('/queries/v1/abort-request')).length;
    const env = await rawCall(stack.sidecar.url, other, 'POST', '/queries/v1/abort-request', { requestId, sqlText: 'call system$wait(1)' });
    expect(env).toMatchObject({ success: false, code: '399506', data: { sqlState: '42501' } });
    expect(env.message).toBe(`snowtrail: statement request ${requestId} belongs to another session of this sidecar; it can be cancelled only by the session that ran it`);
    expect(stack.tap!.requests.filter((r) => r.path.startsWith('/queries/v1/abort-request')).length).toBe(upstreamBefore);
    expect((await running).code).toBe('333333');
  });

  it('still serves the owner its own result, status and abort', async () => {
    const env = await rawResult(stack.sidecar.url, owner, queryId);
    expect(env.success).toBe(true);
    const status = await rawCall(stack.sidecar.url, owner, 'GET', `/monitoring/queries/${queryId}`);
    expect(status.success).toBe(true);
  });

  it('replaces a statement\'s chunk capabilities on every re-fetch instead of adding more', async () => {
    const first = await rawResult(stack.sidecar.url, owner, queryId);
    const chunkCount = first.data.chunks!.length;
    expect(chunkCount).toBe(3);
    const before = await metricValue(stack.registry, 'snowtrail_sidecar_chunk_capabilities');
    let last = first;
    for (let i = 0; i < 20; i++) last = await rawResult(stack.sidecar.url, owner, queryId);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_chunk_capabilities')).toBe(before);
    expect((await fetch(first.data.chunks![0]!.url)).status).toBe(403);
    expect((await fetch(last.data.chunks![0]!.url)).status).toBe(200);
  });

  it('records a chunk served twice once, the second serving by reference (sha256, length)', async () => {
    const env = await rawResult(stack.sidecar.url, owner, queryId);
    const served = Buffer.from(await (await fetch(env.data.chunks![1]!.url)).arrayBuffer());
    const again = await rawResult(stack.sidecar.url, owner, queryId);
    const servedAgain = Buffer.from(await (await fetch(again.data.chunks![1]!.url)).arrayBuffer());
    expect(servedAgain.equals(served)).toBe(true);
    const chunkEvents = stack.memory!.events.filter((e) => (e.info as { queryId?: string; part?: string } | undefined)?.queryId === queryId && (e.info as { part?: string }).part === 'chunk:1');
    const full = chunkEvents.filter((e) => e.type === 'result');
    expect(full).toHaveLength(1);
    const sha256 = createHash('sha256').update(full[0]!.bytes!).digest('hex');
    const repeats = chunkEvents.filter((e) => e.type === 'result.repeat');
    expect(repeats.length).toBeGreaterThanOrEqual(1);
    for (const r of repeats) expect(r.info).toEqual({ queryId, part: 'chunk:1', sha256, bytes: full[0]!.bytes!.length });
  });
});
