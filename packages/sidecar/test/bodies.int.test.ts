import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { metricValue, startStack, type Stack } from './harness.js';
import { rawLogin } from './raw-client.js';
import { sendRaw } from './raw-socket.js';

const LOGIN_CAP = 64 * 1024;
const SMALL_CAP = 16 * 1024;
/** 14 MiB of it for large requests: query bodies up to 14/6 MiB (6 × weighted). */
const BUDGET = 16 * 1024 * 1024;

describe('attack: hostile request bodies (bounded memory, forward what was decided)', () => {
  let stack: Stack;
  let handle: string;
  let host: string;
  beforeAll(async () => {
    stack = await startStack({ tap: true, sidecar: { requestBudgetBytes: BUDGET }, config: (c) => ((c.listen as Record<string, unknown>).maxRequestBytes = 8 * 1024 * 1024) });
    handle = await rawLogin(stack.sidecar.url, await stack.mint());
    host = new URL(stack.sidecar.url).host;
  });
  afterAll(async () => {
    await stack.close();
  });

  const bytesIn = (): Promise<number> => metricValue(stack.registry, 'snowtrail_sidecar_client_bytes_total', { direction: 'in' });
  const tapped = (path: string): number => stack.tap!.requests.filter((r) => r.path.startsWith(path)).length;
  const envelope = (body: string): { success: boolean; code: string; message: string; data: { sqlState: string } } => JSON.parse(body) as never;

  it('refuses a login announcing 60 MB by its Content-Length before reading it', async () => {
    const before = await bytesIn();
    const a = await sendRaw(stack.sidecar.url, { head: `POST /session/v1/login-request HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${60 * 1024 * 1024}`, bodyBytes: 60 * 1024 * 1024 });
    expect(a.status).toBe(200);
    expect(a.headers.connection).toBe('close');
    expect(envelope(a.body)).toMatchObject({ success: false, code: '399505', data: { sqlState: '54000' } });
    expect(envelope(a.body).message).toBe(`snowtrail: the request body exceeds the ${LOGIN_CAP}-byte limit of this endpoint (login)`);
    expect((await bytesIn()) - before).toBe(0);
    expect(stack.emulator.logins.length).toBe(1);
  });

  it('reads no more than the login cap of a chunked login that never ends', async () => {
    const before = await bytesIn();
    // Chunked: each piece framed by hand.
    const piece = Buffer.alloc(8 * 1024, ' ');
    const frames = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])));
    const b = await sendRaw(stack.sidecar.url, { head: `POST /session/v1/login-request HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`, body: frames });
    expect(envelope(b.body)).toMatchObject({ code: '399505', data: { sqlState: '54000' } });
    expect((await bytesIn()) - before).toBeLessThanOrEqual(LOGIN_CAP + 64 * 1024);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_request_refusals_total', { reason: 'body_too_large' })).toBeGreaterThanOrEqual(2);
  });

  it('reads nothing of a session request without a valid session handle', async () => {
    const before = await bytesIn();
    const a = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="forged"\r\nContent-Type: application/json\r\nContent-Length: ${8 * 1024 * 1024}`, bodyBytes: 8 * 1024 * 1024 });
    expect(envelope(a.body)).toMatchObject({ code: '390104' });
    expect((await bytesIn()) - before).toBe(0);
    expect(tapped('/queries/v1/query-request')).toBe(0);
  });

  it.each([
    ['heartbeat', '/session/heartbeat'],
    ['abort', '/queries/v1/abort-request'],
    ['token', '/session/token-request'],
  ])('caps the %s body small', async (_name, path) => {
    const a = await sendRaw(stack.sidecar.url, { head: `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${SMALL_CAP + 1}`, bodyBytes: SMALL_CAP + 1 });
    const env = envelope(a.body);
    // The token endpoint authenticates with the master handle: a session handle is refused before reading.
    if (path === '/session/token-request') expect(env.code).toBe('390115');
    else expect(env).toMatchObject({ code: '399505', data: { sqlState: '54000' } });
    expect(tapped(path)).toBe(0);
  });

  it('caps a query request at what the budget can hold, below listen.maxRequestBytes', async () => {
    const a = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024}`, bodyBytes: 4 * 1024 * 1024 });
    expect(envelope(a.body).message).toBe(`snowtrail: the request body exceeds the ${Math.floor((14 * 1024 * 1024) / 6)}-byte limit of this endpoint (queryRequest)`);
  });

  it('stops a gzip bomb in a query request at the cap; nothing is forwarded or recorded', async () => {
    const events = stack.memory!.events.length;
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"sqlText":"select 1","x":"'), Buffer.alloc(64 * 1024 * 1024, 'a'), Buffer.from('"}')]));
    const a = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}`, body: bomb });
    expect(envelope(a.body)).toMatchObject({ code: '399505', data: { sqlState: '54000' } });
    expect(tapped('/queries/v1/query-request')).toBe(0);
    expect(stack.memory!.events.slice(events)).toEqual([]);
  });

  it('answers a retryable 429 when the in-flight budget is spent, and serves again once it is free', async () => {
    // Hold 2 MiB (12 MiB weighted) of the budget in a slow upload, then ask for 1 MiB (6 MiB weighted) more.
    const u = new URL(stack.sidecar.url);
    const holder = connect(Number(u.port), u.hostname);
    holder.on('error', () => undefined);
    holder.write(`POST /queries/v1/query-request HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024 + 10}\r\n\r\n`);
    holder.write(Buffer.alloc(2 * 1024 * 1024, ' '));
    await new Promise((r) => setTimeout(r, 300));
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_request_inflight_bytes')).toBeGreaterThanOrEqual(12 * 1024 * 1024);
    // A small statement still gets through while the large upload holds its share.
    const small = Buffer.from(JSON.stringify({ sqlText: 'select 3 as three' }));
    const served = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${small.length}`, body: small });
    expect(envelope(served.body).success).toBe(true);
    const body = Buffer.from(JSON.stringify({ sqlText: 'select 1', pad: 'p'.repeat(1024 * 1024) }));
    const busy = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`, body });
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    expect(envelope(busy.body)).toMatchObject({ success: false, code: '399507', data: { sqlState: '53000' } });
    expect(envelope(busy.body).message).toMatch(/^snowtrail: the sidecar is busy with other large requests/);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_request_refusals_total', { reason: 'busy' })).toBe(1);
    // The held upload never completes; once its client goes away the budget is free again.
    holder.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const ok = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`, body });
    expect(envelope(ok.body)).toMatchObject({ success: true });
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_request_inflight_bytes')).toBe(0);
  });

  it('refuses a query request with a duplicate key; nothing is forwarded or recorded', async () => {
    const events = stack.memory!.events.length;
    const before = tapped('/queries/v1/query-request');
    const body = Buffer.from('{"sqlText":"select 1","sqlText":"delete from orders"}');
    const a = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`, body });
    expect(envelope(a.body)).toMatchObject({ success: false, code: '399505', data: { sqlState: '22000' } });
    expect(envelope(a.body).message).toBe('snowtrail: request body repeats the key "sqlText" in one object');
    expect(tapped('/queries/v1/query-request')).toBe(before);
    expect(stack.memory!.events.slice(events)).toEqual([]);
  });

  it('forwards the canonical re-serialisation of the request the policy judged', async () => {
    const sent = '{ "sqlText" : "select \\u0031 as one",\n "parameters": {}, "disableOfflineChunks" : false }';
    const before = stack.tap!.requests.length;
    const a = await sendRaw(stack.sidecar.url, { head: `POST /queries/v1/query-request?requestId=${crypto.randomUUID()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Snowflake Token="${handle}"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(sent)}`, body: Buffer.from(sent) });
    expect(envelope(a.body).success).toBe(true);
    const forwarded = stack.tap!.requests.slice(before).find((r) => r.path.startsWith('/queries/v1/query-request'))!;
    expect(forwarded.body).toBe(JSON.stringify(JSON.parse(sent)));
  });

  it('counts a deep-JSON login as its own reason, not as an unusable credential', async () => {
    const small = Buffer.from(`{"data":{"AUTHENTICATOR":"OAUTH","TOKEN":"x","CLIENT_ENVIRONMENT":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`);
    const b = await sendRaw(stack.sidecar.url, { head: `POST /session/v1/login-request HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${small.length}`, body: small });
    expect(envelope(b.body)).toMatchObject({ success: false, code: '390303' });
    expect(envelope(b.body).message).toMatch(/^snowtrail: login refused: the login request body is not a well-formed Snowflake login request/);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { reason: 'request_malformed' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_logins_total', { reason: 'credential_unusable' })).toBe(0);
  });

  it('answers malformed HTTP with 400 and oversized headers with 431 instead of a reset', async () => {
    const bad = await sendRaw(stack.sidecar.url, { head: 'POST /session/v1/login-request HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7' });
    expect(bad.status).toBe(400);
    const garbage = await sendRaw(stack.sidecar.url, { head: 'HELLO WORLD' });
    expect(garbage.status).toBe(400);
    const big = await sendRaw(stack.sidecar.url, { head: `GET /monitoring/queries/x HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(64 * 1024)}` });
    expect(big.status).toBe(431);
  });
});
