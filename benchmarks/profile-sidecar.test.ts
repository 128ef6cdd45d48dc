import { describe, expect, it } from '@jest/globals';
import { analyseProfile } from './profile-sidecar.js';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });

describe('analyseProfile', () => {
  // root → route (sidecar) → commitEvent (recording) ; root → route → sendBytes (http-io) ; root → (idle)
  const profile = {
    nodes: [
      frame(1, '(root)', '', [2, 5]),
      frame(2, 'route', 'file:///x/packages/sidecar/src/proxy-server.ts', [3, 4]),
      frame(3, 'commitEvent', 'file:///x/packages/recording/src/session-recording.ts'),
      frame(4, 'sendBytes', 'file:///x/packages/sidecar/src/http-io.ts'),
      frame(5, '(idle)', ''),
    ],
    startTime: 1000,
    // Samples at 1000, 1100, 1200, 1300, 1400 µs; each stands for the 100 µs until the next.
    samples: [3, 3, 4, 5, 2, 3],
    timeDeltas: [0, 100, 100, 100, 100, 100],
  };

  it('gives each sample to the first stage any frame of its stack belongs to, inside the window only', () => {
    const a = analyseProfile(profile, 1000, 1300);
    expect(Object.fromEntries(a.stages)).toEqual({ 'recorder (events, hashing, journal, blobs)': 0.2, 'response write': 0.1, idle: 0.1 });
    expect(a.totalMs).toBeCloseTo(0.4);
    expect([...a.self.keys()]).toContain('commitEvent packages/recording/src/session-recording.ts:1');
  });

  it('leaves out samples outside the window', () => {
    const a = analyseProfile(profile, 1350, 1500);
    expect(Object.fromEntries(a.stages)).toEqual({ 'handler own (route, handle-query, metrics)': 0.1, 'recorder (events, hashing, journal, blobs)': 0 });
  });
});
