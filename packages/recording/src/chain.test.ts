import { describe, expect, it } from '@jest/globals';
import { checkChainLines, encodeEvent, genesisHead, sha256Hex, splitLines } from './chain.js';
import { GENESIS_HASH } from './format.js';

function chain(n: number): Buffer[] {
  let head = genesisHead();
  const lines: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const e = encodeEvent(head, 'S', 1_700_000_000_000 + i, 'note', { kind: 'test', i });
    lines.push(e.line);
    head = e.head;
  }
  return lines;
}

describe('hash chain', () => {
  it('links each event to the SHA-256 of the previous line, starting from the genesis hash', () => {
    const lines = chain(3);
    const events = lines.map((l) => JSON.parse(l.toString()) as { seq: number; prevHash: string; version: number });
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[2]!.prevHash).toBe(sha256Hex(lines[1]!));
    expect(Object.keys(JSON.parse(lines[0]!.toString()) as object)).toEqual(['version', 'sessionId', 'seq', 'time', 'type', 'prevHash', 'data']);
    expect(checkChainLines(genesisHead(), 'S', lines, 'seg').problems).toEqual([]);
  });

  it('reports a missing event, a changed event and a foreign session', () => {
    const lines = chain(5);
    const gap = checkChainLines(genesisHead(), 'S', [lines[0]!, lines[1]!, lines[3]!, lines[4]!], 'seg');
    expect(gap.problems.map((p) => p.kind)).toEqual(['seq_gap', 'prev_hash_mismatch']);
    expect(gap.problems[0]!.message).toBe('seg: sequence jumps from 1 to 3 (1 event(s) missing)');
    const changed = Buffer.from(lines[2]!.toString().replace('"i":2', '"i":9'));
    expect(checkChainLines(genesisHead(), 'S', [lines[0]!, lines[1]!, changed, lines[3]!], 'seg').problems.map((p) => p.kind)).toEqual(['prev_hash_mismatch']);
    expect(checkChainLines(genesisHead(), 'OTHER', lines.slice(0, 1), 'seg').problems.map((p) => p.kind)).toEqual(['wrong_session']);
  });

  it('splits lines and keeps a partial tail apart', () => {
    expect(splitLines(Buffer.from('a\nb\nc'))).toEqual({ lines: [Buffer.from('a'), Buffer.from('b')], partial: Buffer.from('c') });
    expect(splitLines(Buffer.from('a\n'))).toEqual({ lines: [Buffer.from('a')] });
  });
});
