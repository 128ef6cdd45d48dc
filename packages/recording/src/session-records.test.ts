import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { encodeEvent, genesisHead, sha256Hex } from './chain.js';
import { createDirStore } from './dir-store.js';
import { readSession, readSessionEvents } from './reader.js';
import { describeDamage, readSessionRecords, type SessionRecord } from './session-records.js';
import { segmentKey } from './layout.js';
import { scratch } from '../test/helpers.js';

const SID = '20261126T100000Z-0123456789abcdef';

/** Three segments of four note events each (seq 0–11). */
function segments(): Buffer[][] {
  let head = genesisHead();
  const out: Buffer[][] = [[], [], []];
  for (let i = 0; i < 12; i++) {
    const e = encodeEvent(head, SID, 1_790_000_000_000 + i * 1000, 'note', { kind: 'test', i });
    out[Math.floor(i / 4)]!.push(e.line);
    head = e.head;
  }
  return out;
}

async function storeWith(segs: (Buffer | undefined)[]): Promise<ReturnType<typeof createDirStore>> {
  const store = createDirStore(await scratch('records'));
  for (const [i, body] of segs.entries()) if (body) await store.put(segmentKey('', SID, i + 1), body, { contentType: 'application/gzip', sha256: sha256Hex(body) });
  return store;
}

const gz = (lines: Buffer[]): Buffer => gzipSync(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));

async function read(store: ReturnType<typeof createDirStore>): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of readSession(store, SID)) out.push(r);
  return out;
}

const shape = (rs: SessionRecord[]): string[] => rs.map((r) => (r.kind === 'event' ? String(r.event.seq) : describeDamage(r.damage)));

describe('reading a damaged session degrades instead of giving up', () => {
  it('reads an intact session event by event with no damage', async () => {
    const store = await storeWith(segments().map(gz));
    expect(shape(await read(store))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
  });

  it('marks the range of a segment missing from the store and shows everything around it', async () => {
    const s = segments();
    const store = await storeWith([gz(s[0]!), undefined, gz(s[2]!)]);
    expect(shape(await read(store))).toEqual(['0', '1', '2', '3', 'DAMAGED: events seq 4–7 cannot be shown — segment 000002 missing from the store', '8', '9', '10', '11']);
  });

  it('marks a segment that is not gzip (flipped header byte) and a truncated one, salvaging the events before the cut', async () => {
    const s = segments();
    const flipped = gz(s[1]!);
    flipped[0] = 0x00;
    const whole = gz(s[2]!);
    const store = await storeWith([gz(s[0]!), flipped, whole.subarray(0, Math.floor(whole.length * 0.8))]);
    const got = shape(await read(store));
    expect(got.slice(0, 4)).toEqual(['0', '1', '2', '3']);
    expect(got[4]).toBe('DAMAGED: events seq 4–7 cannot be shown — segment 000002: not a valid gzip stream (incorrect header check)');
    expect(got[5]).toBe('8');
    expect(got[got.length - 1]).toMatch(/^DAMAGED: events from seq (9|10|11) on cannot be shown — segment 000003: gzip stream ends early \(truncated\)$/);
  });

  it('marks an event that is valid JSON but not a valid event with the field at fault', async () => {
    const s = segments();
    const bad = JSON.parse(s[1]![1]!.toString()) as { data: Record<string, unknown> };
    bad.data.kind = 7;
    s[1]![1] = Buffer.from(JSON.stringify(bad));
    const store = await storeWith(s.map(gz));
    const got = shape(await read(store));
    expect(got).toContain('DAMAGED: event seq 5 cannot be shown — segment 000002: event seq 5 (note): data.kind: Invalid input: expected string, received number');
    expect(got.filter((x) => !x.startsWith('DAMAGED'))).toHaveLength(11);
    const events: number[] = [];
    for await (const e of readSessionEvents(store, SID)) events.push(e.seq);
    expect(events).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
  });

  it('says when the last segment is gone and nothing follows the damage', async () => {
    const s = segments();
    const store = await storeWith([gz(s[0]!), gz(s[1]!), undefined]);
    // Without an index nothing says more events existed: the reader shows what it has.
    expect(shape(await read(store))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    // With the index's list of segments, the lost last segment is named.
    const out: SessionRecord[] = [];
    const listed = [1, 2].map((no) => ({ no, key: segmentKey('', SID, no) }));
    for await (const r of readSessionRecords(store, SID, listed, { events: 12, segments: [1, 2, 3] })) out.push(r);
    expect(shape(out).slice(8)).toEqual(['DAMAGED: events from seq 8 on cannot be shown — segment 000003 missing from the store']);
  });
});
