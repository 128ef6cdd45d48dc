import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolFile } from './spool-file.js';
import { heldSyncs, scratch } from '../test/helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

/** Waits until `check` holds (the real fdatasync behind a released one takes its time on a busy disk). */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); ) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await tick();
  }
}

function track(p: Promise<void>): { state: 'pending' | 'ok' | 'failed' } {
  const t = { state: 'pending' as 'pending' | 'ok' | 'failed' };
  p.then(
    () => (t.state = 'ok'),
    () => (t.state = 'failed'),
  );
  return t;
}

describe('SpoolFile group commit', () => {
  it('an append that arrives during an fdatasync is made durable by the next one, and waits for at most two', async () => {
    const dir = await scratch('spool-file');
    dirs.push(dir);
    const { fs, syncs } = heldSyncs();
    const file = new SpoolFile({ path: join(dir, 'j.jsonl'), fs });
    const a = track(file.append([Buffer.from('a\n')]));
    await until(() => syncs.length === 1);
    // B arrives while A's fdatasync runs: it is written at once and gets its own fdatasync.
    const b = track(file.append([Buffer.from('b\n')]));
    await until(() => syncs.length === 2);
    // C arrives with two in flight: it waits for a slot.
    const c = track(file.append([Buffer.from('c\n')]));
    await tick();
    expect(syncs).toHaveLength(2);
    // The second fdatasync covers A and B (both written before it started); A's own is not needed.
    syncs[1]!.end();
    await until(() => b.state !== 'pending');
    expect([a.state, b.state, c.state]).toEqual(['ok', 'ok', 'pending']);
    expect(file.durableSize).toBe(4);
    // C got the freed slot: its own fdatasync — the second it waited for — makes it durable.
    await until(() => syncs.length === 3);
    syncs[2]!.end();
    await until(() => c.state !== 'pending');
    expect(c.state).toBe('ok');
    syncs[0]!.end();
    await file.close();
    expect((await readFile(join(dir, 'j.jsonl'))).toString()).toBe('a\nb\nc\n');
  });

  it('after a failed fdatasync nothing unconfirmed is ever confirmed, even if a later one succeeds, and the file is cut back', async () => {
    const dir = await scratch('spool-file');
    dirs.push(dir);
    const { fs, syncs } = heldSyncs();
    const file = new SpoolFile({ path: join(dir, 'j.jsonl'), fs });
    const a = track(file.append([Buffer.from('a\n')]));
    await until(() => syncs.length === 1);
    syncs[0]!.end();
    await until(() => a.state !== 'pending');
    const b = track(file.append([Buffer.from('b\n')]));
    await until(() => syncs.length === 2);
    const c = track(file.append([Buffer.from('c\n')]));
    await until(() => syncs.length === 3);
    syncs[1]!.end(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await until(() => b.state !== 'pending');
    syncs[2]!.end();
    await tick();
    expect([a.state, b.state, c.state]).toEqual(['ok', 'failed', 'failed']);
    await expect(file.append([Buffer.from('d\n')])).rejects.toMatchObject({ code: 'EIO' });
    expect(file.durableSize).toBe(2);
    await file.close();
    expect((await readFile(join(dir, 'j.jsonl'))).toString()).toBe('a\n');
  });

  it('a file confirms nothing before the previous one has, and fails when the previous one fails with appends pending', async () => {
    const dir = await scratch('spool-file');
    dirs.push(dir);
    const { fs, syncs } = heldSyncs();
    const first = new SpoolFile({ path: join(dir, '1.jsonl'), fs });
    const a = track(first.append([Buffer.from('a\n')]));
    await until(() => syncs.length === 1);
    const second = new SpoolFile({ path: join(dir, '2.jsonl'), fs, after: first.confirmedAll() });
    await until(() => syncs.length === 2);
    const b = track(second.append([Buffer.from('b\n')]));
    await until(() => syncs.length === 3);
    // The second file's fdatasync succeeds first: B still waits for A.
    syncs[2]!.end();
    await tick();
    expect(b.state).toBe('pending');
    for (const s of syncs.slice(0, 2)) s.end(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
    await until(() => a.state !== 'pending' && b.state !== 'pending');
    expect([a.state, b.state]).toEqual(['failed', 'failed']);
    expect(second.isFailed).toBe(true);
    await first.close();
    await second.close();
  });

  it('tells when an append is written, before it is durable, and a write that fails is never told written', async () => {
    const dir = await scratch('spool-file');
    dirs.push(dir);
    const { fs, syncs } = heldSyncs();
    const path = join(dir, 'j.jsonl');
    const file = new SpoolFile({ path, fs });
    const a = file.appendTracked([Buffer.from('a\n')]);
    const durable = track(a.durable);
    await a.written;
    // Written: in the file (a process that dies now leaves it there), while its fdatasync is still held.
    expect((await readFile(path)).toString()).toBe('a\n');
    expect(durable.state).toBe('pending');
    await until(() => syncs.length === 1);
    syncs[0]!.end();
    await until(() => durable.state !== 'pending');
    expect(durable.state).toBe('ok');
    await file.close();

    const failing = new SpoolFile({ path: join(dir, 'k.jsonl'), fs: { ...fs, open: async (p, flags) => ({ ...(await fs.open(p, flags)), writev: () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) }) } });
    const b = failing.appendTracked([Buffer.from('b\n')]);
    await expect(b.written).rejects.toMatchObject({ code: 'EIO' });
    await expect(b.durable).rejects.toMatchObject({ code: 'EIO' });
    await failing.close();
  });
});
