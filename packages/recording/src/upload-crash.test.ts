import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createDirStore } from './dir-store.js';
import { verifyDigest, type DigestPayload } from './digest.js';
import { FAULT_FILE_ENV, type FaultRule } from './fault-fs.js';
import type { RecordingEvent } from './format.js';
import { loadStoreKeys } from './jwks.js';
import { digestKey, indexKey, segmentKey } from './layout.js';
import { readSessionEvents } from './reader.js';
import { createRecorder } from './recorder.js';
import { verifySession } from './verifier.js';
import { recordingConfig, scratch, silent, writeSigningKey } from '../test/helpers.js';

// The process is killed between two steps of the uploader (segment PUT, index PUT, digest PUT,
// state save, local delete): the file layer holds the next step still, the test waits until the
// step before it is visible, then SIGKILLs. A new recorder on the same spool must finish the
// session with a chain that verifies and nothing signed or stored twice.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const HOLD = 10 * 60_000;

interface Case {
  /** What is held (the step after the kill point). */
  hold: Omit<FaultRule, 'delayMs'>;
  /** Resolves once the step before the kill point is done. */
  reached(ctx: { storeDir: string; spoolDir: string; sessionId: string }): Promise<boolean>;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
const inStore = (storeDir: string, key: string): Promise<boolean> => exists(join(storeDir, ...key.split('/')));

const CASES: Record<string, Case> = {
  'after the segment PUT': { hold: { op: 'open', path: '/store/.*/index/' }, reached: ({ storeDir, sessionId }) => inStore(storeDir, segmentKey('', sessionId, 1)) },
  'after the index PUT': { hold: { op: 'open', path: '/store/.*/digests/' }, reached: ({ storeDir, sessionId }) => inStore(storeDir, indexKey('', sessionId, 1)) },
  'after the digest PUT': { hold: { op: 'open', path: '/spool/v1/.*/state\\.json\\.tmp-' }, reached: ({ storeDir, sessionId }) => inStore(storeDir, digestKey('', sessionId, 1)) },
  'after the state save': {
    hold: { op: 'unlink', path: '/spool/v1/[^/]+/\\d{6}\\.jsonl$' },
    reached: async ({ spoolDir, sessionId }) => {
      const state = await readFile(join(spoolDir, 'v1', sessionId, 'state.json'), 'utf8').catch(() => '{}');
      return (JSON.parse(state) as { digestNo?: number }).digestNo === 1;
    },
  },
};

function startChild(config: object, faultFile: string): { child: ChildProcess; lines: string[]; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../test/recorder-child.ts')], {
    env: { ...process.env, RECORDING_CONFIG: JSON.stringify(config), [FAULT_FILE_ENV]: faultFile, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (b: Buffer) => {
    const parts = (rest + b.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, lines, exited };
}

async function until(check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a kill between two uploader steps', () => {
  it.each(Object.keys(CASES))('%s: after restart verify passes and nothing is signed or stored twice', async (name) => {
    const c = CASES[name]!;
    const base = await scratch('upload-crash');
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const storeDir = join(base, 'store');
    const spoolDir = join(base, 'spool');
    const keyFile = await writeSigningKey(base);
    const config = recordingConfig({ spoolDir, store: { type: 'dir', path: storeDir }, signing: { keyFile }, flush: { intervalSeconds: 0.2, maxBytes: 1024 * 1024 } });
    const faultFile = join(base, 'faults.json');
    await writeFile(faultFile, JSON.stringify({ unsafeTestOnly: true, rules: [] }));
    const { child, lines, exited } = startChild(config, faultFile);
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    await until(() => lines.some((l) => l.startsWith('SESSION ')));
    const sessionId = lines.find((l) => l.startsWith('SESSION '))!.slice('SESSION '.length);
    // Held from now on (the session's own state file was written at its start).
    await writeFile(faultFile, JSON.stringify({ unsafeTestOnly: true, rules: [{ ...c.hold, delayMs: HOLD }] }));
    await until(() => c.reached({ storeDir, spoolDir, sessionId }));
    child.kill('SIGKILL');
    await exited;
    // What was signed before the kill is never signed again (with Object Lock it could not be overwritten).
    const before = createDirStore(storeDir);
    const signed = new Map<string, string>();
    for (const o of await before.list('v1/sessions/')) if (o.key.includes('/digests/')) signed.set(o.key, (await before.get(o.key))!.toString('utf8'));
    const acked = lines.filter((l) => l.startsWith('ACK ')).map((l) => l.slice(4));
    expect(acked.length).toBeGreaterThan(0);

    const recorder = await createRecorder({ config, registry: new Registry(), logger: silent });
    await recorder.close();

    const store = createDirStore(storeDir);
    const events: RecordingEvent[] = [];
    for await (const e of readSessionEvents(store, sessionId)) events.push(e);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const queries = events.filter((e) => e.type === 'query').map((e) => String(e.data.requestId));
    expect(queries).toEqual(expect.arrayContaining(acked));
    expect(new Set(queries).size).toBe(queries.length);
    expect(events[events.length - 1]?.type).toBe('session.interrupted');
    const report = await verifySession(store, sessionId, await loadStoreKeys(store));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    // Every digest in the store is on the one chain, every segment is listed by exactly one digest, and every stored segment is listed.
    const keys = await loadStoreKeys(store);
    const digestKeys = (await store.list(`v1/sessions/`)).map((o) => o.key).filter((k) => k.includes(`${sessionId}/digests/`));
    const payloads: DigestPayload[] = [];
    for (const k of digestKeys) {
      const check = await verifyDigest((await store.get(k))!.toString('utf8'), keys);
      expect(check.ok).toBe(true);
      if (check.ok) payloads.push(check.payload);
    }
    for (const [k, jws] of signed) expect((await store.get(k))?.toString('utf8')).toBe(jws);
    expect(payloads.map((p) => p.no)).toEqual(payloads.map((_, i) => i + 1));
    expect(payloads.map((p) => p.previousDigest?.no ?? 0)).toEqual(payloads.map((_, i) => i));
    const listed = payloads.flatMap((p) => p.segments.map((s) => s.no));
    expect(listed).toEqual(listed.map((_, i) => i + 1));
    const storedSegments = (await store.list(`v1/sessions/`)).map((o) => o.key).filter((k) => k.includes(`${sessionId}/segments/`));
    expect(storedSegments.length).toBe(listed.length);
    expect((await readFile(join(spoolDir, 'v1', sessionId, 'state.json')).catch(() => undefined)) === undefined).toBe(true);
  }, 90_000);
});
