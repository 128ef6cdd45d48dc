import { describe, expect, it } from '@jest/globals';
import type { AuthFailureInfo } from '@snowtrail/recording';
import { boundClaims, RefusalLog } from './refusal-log.js';

describe('boundClaims', () => {
  it('keeps only a digest when even the truncated identifying claims pass 2 KiB', () => {
    const wide = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const bounded = boundClaims({ sub: 'x', 'kubernetes.io': wide });
    expect(bounded).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number), truncated: true });
  });
});

describe('RefusalLog', () => {
  it('shares one overflow window once too many sources are tracked, and flushes everything at the end', async () => {
    const recorded: AuthFailureInfo[] = [];
    const now = 1_000_000;
    const log = new RefusalLog({ record: async (i) => void recorded.push(i), now: () => now, maxWindows: 2 });
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']) await log.refuse({ reason: 'token_expired', message: 'm', client: { address } });
    await log.refuse({ reason: 'token_expired', message: 'm', client: { address: '10.0.0.1' } });
    expect(recorded.map((r) => r.client.address)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    await log.flush(now, true);
    expect(recorded.slice(3)).toEqual([
      expect.objectContaining({ reason: 'token_expired', repeated: 1, client: { address: '10.0.0.1' } }),
      expect.objectContaining({ reason: 'mixed', repeated: 2, client: {} }),
    ]);
  });
});
