import { describe, expect, it } from '@jest/globals';
import { createResultLimiter } from './result-limiter.js';

describe('createResultLimiter', () => {
  it('counts rows and bytes across inline rows and chunks and flags the first breach', () => {
    const l = createResultLimiter({ maxResultRows: 100, maxResultBytes: 1000 });
    l.addRows(40); // inline rowset
    l.addBytes(300);
    l.addRows(60); // first chunk: exactly at the limit is fine
    l.addBytes(600);
    expect(l.breach).toBeUndefined();
    expect(l.remainingRows).toBe(0);
    expect(l.remainingBytes).toBe(100);
    l.addBytes(101);
    expect(l.breach).toBe('bytes');
    l.addRows(1);
    expect(l.breach).toBe('bytes'); // the first breach stays
    expect(l.rows).toBe(101);
    expect(l.bytes).toBe(1001);
  });

  it('breaches on rows', () => {
    const l = createResultLimiter({ maxResultRows: 10 });
    l.addRows(11);
    expect(l.breach).toBe('rows');
    expect(l.remainingBytes).toBe(Infinity);
  });

  it('never breaches without limits and ignores negative or NaN counts', () => {
    const l = createResultLimiter({});
    l.addRows(1e9);
    l.addBytes(1e12);
    expect(l.breach).toBeUndefined();
    const k = createResultLimiter({ maxResultRows: 5 });
    k.addRows(5);
    k.addRows(-5);
    k.addRows(Number.NaN);
    expect(k.rows).toBe(5);
    k.addRows(0.5);
    expect(k.breach).toBeUndefined();
    k.addRows(1);
    expect(k.breach).toBe('rows');
  });
});
