import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { sha256Hex } from './chain.js';
import { SpoolBlobSpace } from './blob-space.js';
import { createFaultFs } from './fault-fs.js';
import { createRecorder } from './recorder.js';
import { nodeSpoolFs } from './spool-fs.js';
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
