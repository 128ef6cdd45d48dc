import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { sha256Hex } from './chain.js';
import { SpoolBlobSpace } from './blob-space.js';
import { createFaultFs } from './fault-fs.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs, type SpoolFs } from './spool-fs.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

// Naming a blob file by its content: the rename, then its data and the folder entry made durable
// at once. What must hold whatever fails: nothing not durable under a content name, no room kept.
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(): Promise<{ dir: string; space: SpoolBlobSpace; taken: () => number }> {
  const dir = join(await scratch('blob-space'), 'blobs');
  dirs.push(dir);
  await mkdir(dir, { recursive: true });
  let taken = 0;
  const space = new SpoolBlobSpace(nodeSpoolFs, dir, { reserve: (b) => ((taken += b), true), release: (b) => (taken -= b) });
  return { dir, space, taken: () => taken };
}

describe('SpoolBlobSpace.place', () => {
  it('a payload whose data cannot be made durable leaves nothing under its content name and keeps no room', async () => {
    const { dir, space, taken } = await setup();
    const body = Buffer.from('payload one');
    await writeFile(join(dir, '.tmp-a'), body);
    space.reserve(body.length);
    await expect(space.place(join(dir, '.tmp-a'), sha256Hex(body), body.length, () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })))).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dir)).toEqual([]);
    expect(taken()).toBe(0);
    expect(space.hasFile(sha256Hex(body))).toBe(false);
  });

  it('never renames a copy over a durable one of the same content: the durable bytes stay, the copy goes, its room is given back', async () => {
    const { dir, space, taken } = await setup();
    const body = Buffer.from('payload two');
    const sha = sha256Hex(body);
    await writeFile(join(dir, '.tmp-a'), body);
    space.reserve(body.length);
    await space.place(join(dir, '.tmp-a'), sha, body.length, () => Promise.resolve());
    // A second part of the same content, whose temp file is not (yet) what it claims to be.
    await writeFile(join(dir, '.tmp-b'), 'not yet synced');
    space.reserve(body.length);
    await space.place(join(dir, '.tmp-b'), sha, body.length, () => Promise.resolve());
    expect(await readdir(dir)).toEqual([sha]);
    expect(await readFile(join(dir, sha))).toEqual(body);
    expect(taken()).toBe(body.length);
    expect(space.hasFile(sha)).toBe(true);
  });
});

/** The real file layer, logging renames and folder fsyncs (start and end); the first folder fsync waits for `release`. */
function loggingFs(): { fs: SpoolFs; log: string[]; release: () => void } {
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let syncs = 0;
  const fs: SpoolFs = {
    ...nodeSpoolFs,
    rename: async (from, to) => {
      await nodeSpoolFs.rename(from, to);
      log.push(`rename ${to.slice(-4)}`);
    },
    open: async (path, flags) => {
      const h = await nodeSpoolFs.open(path, flags);
      if (flags !== 'r') return h;
      return {
        ...h,
        sync: async () => {
          const n = ++syncs;
          log.push(`sync${n} start`);
          if (n === 1) await gate;
          await h.sync();
          log.push(`sync${n} end`);
        },
      };
    },
  };
  return { fs, log, release };
}

describe('SpoolBlobSpace folder fsync (group commit)', () => {
  it('a rename made while a folder fsync runs is made durable by the next one, never by the running one; one fsync serves every rename made meanwhile', async () => {
    const { dir } = await setup();
    const { fs, log, release } = loggingFs();
    const space = new SpoolBlobSpace(fs, dir, { reserve: () => true, release: () => undefined });
    const bodies = ['first', 'second', 'third'].map((t) => Buffer.from(t));
    for (const [i, b] of bodies.entries()) await writeFile(join(dir, `.tmp-${i}`), b);
    const placed = (i: number): Promise<void> => space.place(join(dir, `.tmp-${i}`), sha256Hex(bodies[i]!), bodies[i]!.length, () => Promise.resolve()).then(() => void log.push(`placed ${sha256Hex(bodies[i]!).slice(-4)}`));
    const first = placed(0);
    while (!log.includes('sync1 start')) await new Promise((r) => setTimeout(r, 5));
    const rest = [placed(1), placed(2)];
    while (log.filter((l) => l.startsWith('rename')).length < 3) await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.all([first, ...rest]);
    const at = (entry: string): number => log.indexOf(entry);
    for (const b of bodies.slice(1)) {
      const tail = sha256Hex(b).slice(-4);
      // Its rename came after the first fsync had started: only the second may count for it.
      expect(at(`rename ${tail}`)).toBeGreaterThan(at('sync1 start'));
      expect(at('sync2 start')).toBeGreaterThan(at(`rename ${tail}`));
      expect(at(`placed ${tail}`)).toBeGreaterThan(at('sync2 end'));
    }
    expect(log.filter((l) => l.endsWith('start'))).toEqual(['sync1 start', 'sync2 start']);
    expect((await readdir(dir)).sort()).toEqual(bodies.map((b) => sha256Hex(b)).sort());
  });

  it('a failed folder fsync fails every payload waiting on it: nothing left under their content names, no room kept', async () => {
    const { dir } = await setup();
    let taken = 0;
    const failing: SpoolFs = {
      ...nodeSpoolFs,
      open: async (path, flags) => {
        const h = await nodeSpoolFs.open(path, flags);
        return flags === 'r' ? { ...h, sync: () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) } : h;
      },
    };
    const space = new SpoolBlobSpace(failing, dir, { reserve: (b) => ((taken += b), true), release: (b) => (taken -= b) });
    const bodies = ['a', 'b'].map((t) => Buffer.from(`payload ${t}`));
    for (const [i, b] of bodies.entries()) {
      await writeFile(join(dir, `.tmp-${i}`), b);
      space.reserve(b.length);
    }
    const results = await Promise.allSettled(bodies.map((b, i) => space.place(join(dir, `.tmp-${i}`), sha256Hex(b), b.length, () => Promise.resolve())));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await readdir(dir)).toEqual([]);
    expect(taken).toBe(0);
  });
});

describe('the blob folder', () => {
  it('is created once, and created again when it is gone or creating it failed once', async () => {
    const base = await scratch('blob-folder');
    dirs.push(base);
    const fs = createFaultFs(nodeSpoolFs, [{ op: 'mkdir', path: '/blobs', error: 'EIO', count: 1 }]);
    const config = recordingConfig({ spoolDir: join(base, 'spool'), store: { type: 'dir', path: join(base, 'store') }, signing: { keyFile: await writeSigningKey(base) } });
    const recorder = await createRecorder({ config, registry: new Registry(), logger: silent, fs, closeTimeoutMs: 2000 });
    const s = await recorder.startSession(startInfo());
    const write = async (n: number): Promise<void> => {
      const w = s.openResult({ requestId: `r${n}`, part: 'chunk:0', format: 'json', compression: 'none' });
      await w.write(Buffer.alloc(1024, n));
      await w.end();
    };
    // The first payload's folder could not be created: refused. The next ones are recorded (each
    // resolves only once its blob file and event are durable), also after the folder went away.
    await expect(write(1)).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
    await expect(write(2)).resolves.toBeUndefined();
    await rm(join(base, 'spool', 'v1', s.sessionId, 'blobs'), { recursive: true, force: true });
    await expect(write(3)).resolves.toBeUndefined();
    await recorder.close();
  });
});

describe('blob files found at start', () => {
  it('a file whose bytes do not hash to its name (cut by a crash before it was durable) is deleted, not taken for a good copy', async () => {
    const base = await scratch('blob-recovery');
    dirs.push(base);
    const fs = createFaultFs(nodeSpoolFs, [{ path: '/store/', error: 'EIO' }]);
    const config = recordingConfig({ spoolDir: join(base, 'spool'), store: { type: 'dir', path: join(base, 'store') }, signing: { keyFile: await writeSigningKey(base) } });
    const first = await createRecorder({ config, registry: new Registry(), logger: silent, fs, closeTimeoutMs: 200 });
    const s = await first.startSession(startInfo());
    const good = Buffer.alloc(40 * 1024, 7);
    const w = s.openResult({ requestId: 'r1', part: 'chunk:0', format: 'json', compression: 'none' });
    await w.write(good);
    await w.end();
    await first.close();
    const blobs = join(base, 'spool', 'v1', s.sessionId, 'blobs');
    const cut = sha256Hex(Buffer.from('the whole payload'));
    await writeFile(join(blobs, cut), 'the whole pay');
    const second = await createRecorder({ config, registry: new Registry(), logger: silent, fs, closeTimeoutMs: 200, recoveryTimeoutMs: 100 });
    expect((await readdir(blobs)).sort()).toEqual([sha256Hex(good)]);
    await second.close();
  });
});
