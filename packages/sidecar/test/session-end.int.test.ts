import { afterEach, describe, expect, it } from '@jest/globals';
import { destroy, execute, metricValue, startStack, type Connection, type Stack } from './harness.js';
import { rawLogin } from './raw-client.js';

// A session's end is part of the record: a client that logged out, and a sidecar that stops, must
// not get ahead of it. The memory recorder's end is held open (a slow spool) to find the order.

const stacks: Stack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close().catch(() => undefined);
});

/** A gate the test opens by hand. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const types = (stack: Stack): string[] => stack.memory!.events.map((e) => e.type);

/** A stack whose one session ran a statement and whose recorder holds any session end until the gate opens. */
async function sessionWithHeldEnd(): Promise<{ stack: Stack; conn: Connection; held: ReturnType<typeof gate> }> {
  const stack = await startStack();
  stacks.push(stack);
  const conn = await stack.connect();
  await execute(conn, 'select 1');
  const held = gate();
  stack.memory!.endGate = held.promise;
  return { stack, conn, held };
}

/** Waits until the sidecar has taken every session out of its table (their ends may still be recording). */
async function untilNoActiveSessions(stack: Stack): Promise<void> {
  for (let i = 0; i < 100 && (await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await metricValue(stack.registry, 'snowtrail_sidecar_active_sessions')).toBe(0);
}

describe('the end of a session', () => {
  it('a logout is answered only once the session end is recorded', async () => {
    const { stack, conn, held } = await sessionWithHeldEnd();
    let answered = false;
    const logout = destroy(conn).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    // The end is not recorded yet: the driver is still waiting for its logout answer.
    expect({ answered, ended: types(stack).includes('session.end') }).toEqual({ answered: false, ended: false });
    held.open();
    await logout;
    expect(stack.memory!.events.find((e) => e.type === 'session.end')?.info).toEqual({ reason: 'client_logout' });
  });

  it('a sidecar stopping while a logout is being recorded closes its recorder after that end, not before', async () => {
    const { stack, conn, held } = await sessionWithHeldEnd();
    const logout = destroy(conn);
    await untilNoActiveSessions(stack);
    const stopping = stack.sidecar.close();
    await new Promise((r) => setTimeout(r, 200));
    held.open();
    await Promise.all([logout, stopping]);
    const order = types(stack);
    expect(order.filter((t) => t === 'session.end' || t === 'recorder.close')).toEqual(['session.end', 'recorder.close']);
  });

  it('a sidecar stopping while an expired session is being ended closes its recorder after that end', async () => {
    let offset = 0;
    const stack = await startStack({ emulator: { masterValiditySeconds: 600 }, now: () => Date.now() + offset, sweepIntervalMs: 50 });
    stacks.push(stack);
    await rawLogin(stack.sidecar.url, await stack.mint());
    const held = gate();
    stack.memory!.endGate = held.promise;
    offset = (600 + 10 * 60 + 1) * 1000;
    await untilNoActiveSessions(stack);
    const stopping = stack.sidecar.close();
    await new Promise((r) => setTimeout(r, 200));
    held.open();
    await stopping;
    expect(stack.memory!.events.find((e) => e.type === 'session.end')?.info).toEqual({ reason: 'expired' });
    expect(types(stack).filter((t) => t === 'session.end' || t === 'recorder.close')).toEqual(['session.end', 'recorder.close']);
  });
});
