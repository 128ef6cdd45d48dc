import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { metricValue, startStack, type Stack } from './harness.js';
import { rawLogin } from './raw-client.js';

describe('session table expiry', () => {
  let stack: Stack;
  let offset = 0;
  beforeAll(async () => {
    stack = await startStack({ emulator: { masterValiditySeconds: 600 }, now: () => Date.now() + offset, sweepIntervalMs: 50 });
  });
  afterAll(() => stack.close());

  it('drops a session after its master token validity plus grace, records it as expired, and refuses its handle', async () => {
    const handle = await rawLogin(stack.sidecar.url, await stack.mint());
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')).toBe(1);
    offset = (600 + 10 * 60 + 1) * 1000;
    for (let i = 0; i < 100 && !stack.memory!.events.some((e) => e.type === 'session.end'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(stack.memory!.events.find((e) => e.type === 'session.end')?.info).toEqual({ reason: 'expired' });
    expect(await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')).toBe(0);
    const res = await fetch(`${stack.sidecar.url}/session/heartbeat?requestId=${crypto.randomUUID()}`, { method: 'POST', headers: { authorization: `Snowflake Token="${handle}"` } });
    expect(await res.json()).toMatchObject({ success: false, code: '390104' });
  });
});
