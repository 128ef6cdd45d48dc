import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkChainLines, encodeEvent, genesisHead, sha256Hex, type ChainHead } from './chain.js';
import type { RecordingEvent } from './format.js';
import { Journal, journalName } from './journal.js';
import { continueChain, scanSpool } from './recovery.js';
import type { SessionWriterHost } from './session-writer.js';
import { saveState } from './spool-state.js';
import { nodeSpoolFs } from './spool-fs.js';
import { scratch, silent } from '../test/helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function lines(sessionId: string, n: number): Buffer[] {
  let head: ChainHead = genesisHead();
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const e = encodeEvent(head, sessionId, Date.parse('2026-11-26T12:00:00Z') + i, i === 0 ? 'session.start' : 'note', i === 0 ? { identity: { podName: 'p' }, i } : { kind: 'test', i });
    out.push(e.line);
    head = e.head;
  }
  return out;
}

describe('spool recovery', () => {
  it('splits a leftover journal without duplicating events a crash left both in a segment and in the journal', async () => {
    const base = await scratch('recovery');
    dirs.push(base);
    const root = join(base, 'v1');
    const journalDir = join(base, 'journal');
    await mkdir(journalDir, { recursive: true });
    const a = '20261126T120000Z-aaaaaaaaaaaa';
    const b = '20261126T120000Z-bbbbbbbbbbbb';
    const la = lines(a, 6);
    const lb = lines(b, 2);
    for (const id of [a, b]) {
      await saveState(nodeSpoolFs, join(root, id), { version: 1, sessionId: id, summary: { sessionId: id, kind: 'session', startedAt: '', lastEventAt: '', status: 'open', statementCount: 0, eventCount: 0 }, digestNo: 0, lastDigest: null, digestedThrough: 0, totalSegments: 0, chainHead: genesisHead() });
    }
    // Session a's first three events were already split into segment 1 before the crash.
    await writeFile(join(root, a, '000001.jsonl'), Buffer.concat(la.slice(0, 3).flatMap((l) => [l, Buffer.from('\n')])));
    // The journal still holds everything, interleaved, and ends with a half-written line.
    const interleaved = [la[0], lb[0], la[1], la[2], lb[1], la[3], la[4], la[5]].flatMap((l) => [l!, Buffer.from('\n')]);
    await writeFile(join(journalDir, journalName(1, 1)), Buffer.concat([...interleaved, Buffer.from('{"version":1,"sessionId":"2026')]));
    const journal = new Journal({ dir: journalDir, fs: nodeSpoolFs, maxBytes: 1 << 20, now: Date.now, logger: silent, onFsync: () => undefined, release: () => undefined, onSealed: () => undefined });
    const host: SessionWriterHost = { now: Date.now, journal, reserve: () => true, release: () => undefined, fs: nodeSpoolFs };
    const recovered = await scanSpool(nodeSpoolFs, root, journalDir, host);
    const ra = recovered.find((r) => r.writer.sessionId === a)!;
    const rb = recovered.find((r) => r.writer.sessionId === b)!;
    expect(ra.writer.sealed.map((s) => [s.no, s.firstSeq, s.lastSeq])).toEqual([[1, 0, 2], [2, 3, 5]]);
    expect(ra.writer.head.seq).toBe(5);
    expect(await readFile(join(root, a, '000002.jsonl'))).toEqual(Buffer.concat(la.slice(3).flatMap((l) => [l, Buffer.from('\n')])));
    expect(rb.writer.sealed.map((s) => [s.no, s.firstSeq, s.lastSeq])).toEqual([[1, 0, 1]]);
    expect(await readdir(journalDir)).toEqual([]);
  });

  it('where a refused write left lines in an older journal, the chain continues from the newer journal that re-used their numbers', () => {
    const id = '20261126T120000Z-cccccccccccc';
    const durable = lines(id, 5);
    let head: ChainHead = genesisHead();
    for (const l of durable) head = { seq: head.seq + 1, hash: sha256Hex(l) };
    // Events 5 and 6 were written to the first journal but their fdatasync failed: refused.
    const refused = [encodeEvent(head, id, 1, 'note', { kind: 'test', refused: 5 })];
    refused.push(encodeEvent(refused[0]!.head, id, 2, 'note', { kind: 'test', refused: 6 }));
    // The session went on from event 4 in a newer journal.
    const newer = [encodeEvent(head, id, 3, 'note', { kind: 'test', kept: 5 })];
    newer.push(encodeEvent(newer[0]!.head, id, 4, 'note', { kind: 'test', kept: 6 }));
    newer.push(encodeEvent(newer[1]!.head, id, 5, 'note', { kind: 'test', kept: 7 }));
    const asLines = (ls: Buffer[]): { line: Buffer; event: RecordingEvent }[] => ls.map((line) => ({ line, event: JSON.parse(line.toString('utf8')) as RecordingEvent }));
    const chain: { line: Buffer; event: RecordingEvent }[] = [];
    continueChain(genesisHead(), chain, asLines([...durable, ...refused.map((e) => e.line)]));
    continueChain(genesisHead(), chain, asLines(newer.map((e) => e.line)));
    expect(chain.map((c) => c.event.data)).toEqual([...durable.map((l) => (JSON.parse(l.toString('utf8')) as RecordingEvent).data), { kind: 'test', kept: 5 }, { kind: 'test', kept: 6 }, { kind: 'test', kept: 7 }]);
    expect(checkChainLines(genesisHead(), id, chain.map((c) => c.line), 'recovered').problems).toEqual([]);
  });
});
