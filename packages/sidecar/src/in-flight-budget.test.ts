import { describe, expect, it } from '@jest/globals';
import { InFlightBudget } from './in-flight-budget.js';

describe('InFlightBudget', () => {
  it('refuses a charge past the limit while others hold bytes, and frees them on release', () => {
    const seen: number[] = [];
    const budget = new InFlightBudget(100, (n) => seen.push(n));
    const a = budget.reserve();
    const b = budget.reserve();
    a.charge(70);
    expect(() => b.charge(40)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_SIDECAR_BUSY' }));
    b.charge(30);
    a.release();
    a.release();
    b.charge(60);
    expect(budget.inUse).toBe(90);
    b.release();
    expect(budget.inUse).toBe(0);
    expect(seen).toEqual([70, 100, 30, 90, 0]);
  });

  it('keeps a share for small requests that large ones cannot take', () => {
    const budget = new InFlightBudget(100, undefined, 20, 5);
    const large = budget.reserve();
    large.charge(60);
    const other = budget.reserve();
    expect(() => other.charge(30)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_SIDECAR_BUSY' }));
    const small = budget.reserve();
    small.charge(5);
    expect(() => large.charge(20)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_SIDECAR_BUSY' }));
    expect(budget.inUse).toBe(65);
  });

  it('lets a request alone pass the limit, so one large request is never starved', () => {
    const budget = new InFlightBudget(100);
    const alone = budget.reserve();
    alone.charge(150);
    const next = budget.reserve();
    expect(() => next.charge(1)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_SIDECAR_BUSY' }));
    alone.release();
    next.charge(1);
    expect(budget.inUse).toBe(1);
  });
});
