import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { startStack, type Stack } from './harness.js';

describe('listen.tls: the driver-facing listener over HTTPS', () => {
  const certDir = mkdtempSync(join(tmpdir(), 'snowtrail-tls-'));
  let stack: Stack;
  let agent: Agent;
  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    agent = new Agent({ connect: { ca: readFileSync(join(certDir, 'cert.pem')) } });
    stack = await startStack({
      emulator: { chunking: { inlineRows: 10, rowsPerChunk: 100 } },
      config: (c) => ((c.listen as Record<string, unknown>).tls = { certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') }),
    });
  });
  afterAll(async () => {
    await stack.close();
    await agent.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('serves login, statements and https chunk capabilities to a client trusting the CA', async () => {
    expect(stack.sidecar.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const login = await fetch(`${stack.sidecar.url}/session/v1/login-request?requestId=r1`, {
      method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { ACCOUNT_NAME: 'SNOWTRAIL', AUTHENTICATOR: 'OAUTH', TOKEN: await stack.mint() } }),
    });
    const handle = ((await login.json()) as { data: { token: string } }).data.token;
    const q = await fetch(`${stack.sidecar.url}/queries/v1/query-request?requestId=${crypto.randomUUID()}`, {
      method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', authorization: `Snowflake Token="${handle}"` },
      body: JSON.stringify({ sqlText: 'select range as id from range(150)' }),
    });
    const env = (await q.json()) as { success: boolean; data: { returned: number; chunks: { url: string; rowCount: number }[] } };
    expect(env.success).toBe(true);
    expect(env.data.returned).toBe(150);
    const url = env.data.chunks[0]!.url;
    expect(url.startsWith(`${stack.sidecar.url}/__snowtrail/chunks/`)).toBe(true);
    const chunk = await fetch(url, { dispatcher: agent });
    expect(JSON.parse(`[${await chunk.text()}]`)).toHaveLength(env.data.chunks[0]!.rowCount);
  });
});
