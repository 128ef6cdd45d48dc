import { describe, expect, it } from '@jest/globals';
import { ByteBudget } from './byte-budget.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ByteBudget', () => {
  it('holds a request until enough bytes are released, first come first served', async () => {
    const budget = new ByteBudget(10);
    const order: string[] = [];
    const a = await budget.acquire(6);
    const b = budget.acquire(6).then((release) => (order.push('b'), release));
    const c = budget.acquire(1).then((release) => (order.push('c'), release));
    await tick();
    // c would fit, but b asked first: nothing jumps the queue (a large blob is never starved).
    expect(order).toEqual([]);
    a();
    (await b)();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(budget.available).toBe(10);
  });

  it('lets a request larger than the whole budget run alone', async () => {
    const budget = new ByteBudget(10);
    const big = await budget.acquire(25);
    expect(budget.available).toBe(0);
    let small = false;
    const next = budget.acquire(1).then((release) => ((small = true), release));
    await tick();
    expect(small).toBe(false);
    big();
    (await next)();
    expect(small).toBe(true);
  });

  it('gives the bytes back once however often release is called', async () => {
    const budget = new ByteBudget(10);
    const release = await budget.acquire(4);
    release();
    release();
    expect(budget.available).toBe(10);
  });

  it('refuses a capacity below one byte', () => {
    expect(() => new ByteBudget(0)).toThrow(/capacity/);
  });
});
