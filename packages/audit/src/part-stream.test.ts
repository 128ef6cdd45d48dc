import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { RecordingEvent } from '@snowtrail/recording';
import { PartDecoder, type DecodedResultPart } from './part-stream.js';

const SID = '20261126T100000Z-0123456789ab';

/** A v2 JSON chunk stored as a gzip blob: its `result` event and how to read its blob. */
function blobChunk(seq: number, chunk: number, rows: string[][]): { event: RecordingEvent; open: () => Promise<AsyncIterable<Uint8Array>> } {
  const stored = gzipSync(Buffer.from(rows.map((r) => JSON.stringify(r)).join(', ')));
  const blob = { sha256: createHash('sha256').update(stored).digest('hex'), bytes: stored.length };
  const event: RecordingEvent = { version: 1, sessionId: SID, seq, time: '2026-11-26T10:00:00.000Z', type: 'result', prevHash: '0'.repeat(64), data: { partId: `c${chunk}`, querySeq: 0, requestId: 'r', part: `chunk:${chunk}`, format: 'json', compression: 'gzip', blob } };
  // Pieces of 100 bytes, as a store streams them.
  const open = (): Promise<AsyncIterable<Uint8Array>> =>
    Promise.resolve(
      (async function* pieces() {
        for (let o = 0; o < stored.length; o += 100) yield stored.subarray(o, o + 100);
      })(),
    );
  return { event, open };
}

const rowsOf = (chunk: number, n: number): string[][] => Array.from({ length: n }, (_v, i) => [`${chunk}-${i}`, `label ${i} of chunk ${chunk}`]);

async function readAll(d: DecodedResultPart): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const batch of d.batches) rows.push(...batch);
  return rows;
}

describe('decoding parts as they close', () => {
  it('never lets the next part overwrite bytes a part still being read holds, and reuses them once it is done', async () => {
    const decoder = new PartDecoder();
    const [a, b, c] = [blobChunk(1, 0, rowsOf(0, 3000)), blobChunk(2, 1, rowsOf(1, 3000)), blobChunk(3, 2, rowsOf(2, 10))];
    const first = (await decoder.push(a.event, a.open))!;
    // The second part is loaded while the first has not been read at all, then the first is read.
    const second = (await decoder.push(b.event, b.open))!;
    expect(await readAll(first)).toEqual(rowsOf(0, 3000));
    expect(await readAll(second)).toEqual(rowsOf(1, 3000));
    const third = (await decoder.push(c.event, c.open))!;
    expect(await readAll(third)).toEqual(rowsOf(2, 10));
    // The parts handed out carry no stored bytes.
    expect([first, second, third].map((d) => d.part.bytes.length)).toEqual([0, 0, 0]);
  });

  it('shows no row of a blob that is not the referenced bytes', async () => {
    const decoder = new PartDecoder();
    const a = blobChunk(1, 0, rowsOf(0, 5));
    const other = blobChunk(1, 0, rowsOf(9, 5));
    const d = (await decoder.push(a.event, other.open))!;
    expect(d.problem).toMatch(/does not hold the referenced bytes \(altered\)/);
    expect(await readAll(d)).toEqual([]);
  });
});
