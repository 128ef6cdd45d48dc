import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { cp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { createRecorder } from './recorder.js';
import { createDirStore } from './dir-store.js';
import { verifySession, type ProblemKind } from './verifier.js';
import { loadStoreKeys } from './jwks.js';
import { signDigest, type DigestPayload } from './digest.js';
import { signingKeyFromPem } from './keys.js';
import { sessionPrefix } from './layout.js';
import { recordingConfig, scratch, silent, startInfo, writeSigningKey } from '../test/helpers.js';

let base: string;
let pristine: string;
let sessionId: string;
let otherSessionId: string;

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

beforeAll(async () => {
  base = await scratch('tamper');
  pristine = join(base, 'store');
  const keyFile = await writeSigningKey(base);
  const recorder = await createRecorder({
    config: recordingConfig({ spoolDir: join(base, 'spool'), store: { type: 'dir', path: pristine }, signing: { keyFile }, flush: { intervalSeconds: 0.1, maxBytes: 2048 } }),
    registry: new Registry(),
    logger: silent,
  });
  const s = await recorder.startSession(startInfo());
  const other = await recorder.startSession(startInfo('other-pod'));
  sessionId = s.sessionId;
  otherSessionId = other.sessionId;
  const store = createDirStore(pristine);
  const digests = async (): Promise<number> => (await store.list(`${sessionPrefix('', sessionId)}digests/`)).length;
  for (let batch = 0; batch < 3; batch++) {
    for (let i = 0; i < 10; i++) {
      const requestId = `r${batch}-${i}`;
      await s.queryStarted({ requestId, sqlText: `insert into db.s.t${batch} values (${i})`, statements: [{ class: 'DML_INSERT', reads: [], writes: [`DB.S.T${batch}`] }], decision: 'allow' });
      await s.queryEnded({ requestId, status: 'success', rows: 1 });
    }
    const before = await digests();
    await waitFor(async () => (await digests()) > before);
  }
  await other.queryStarted({ requestId: 'o', sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' });
  await s.end('client_logout');
  await other.end('client_logout');
  await recorder.close();
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let copies = 0;
async function tampered(mutate: (dir: string) => Promise<void>): Promise<{ kinds: ProblemKind[]; messages: string[]; ok: boolean }> {
  const dir = join(base, `copy-${++copies}`);
  await cp(pristine, dir, { recursive: true });
  const sdir = join(dir, ...sessionPrefix('', sessionId).split('/').filter(Boolean));
  await mutate(sdir);
  const store = createDirStore(dir);
  const report = await verifySession(store, sessionId, await loadStoreKeys(store));
  return { kinds: report.problems.map((p) => p.kind), messages: report.problems.map((p) => p.message), ok: report.ok };
}

const seg = (dir: string, no: number): string => join(dir, 'segments', `${String(no).padStart(6, '0')}.jsonl.gz`);
const dig = (dir: string, no: number): string => join(dir, 'digests', `${String(no).padStart(6, '0')}.jws`);

describe('verify detects tampering', () => {
  it('passes on the untouched recording, which has several segments and digests', async () => {
    const r = await tampered(async (dir) => {
      expect((await readdir(join(dir, 'segments'))).length).toBeGreaterThanOrEqual(3);
      expect((await readdir(join(dir, 'digests'))).length).toBeGreaterThanOrEqual(3);
    });
    expect(r).toEqual({ kinds: [], messages: [], ok: true });
  });

  it('a flipped byte', async () => {
    const r = await tampered(async (dir) => {
      const b = await readFile(seg(dir, 2));
      b[Math.floor(b.length / 2)] = b[Math.floor(b.length / 2)]! ^ 0x01;
      await writeFile(seg(dir, 2), b);
    });
    expect(r.ok).toBe(false);
    expect(r.kinds).toContain('segment_altered');
    expect(r.messages.some((m) => /^segment 000002: SHA-256 does not match digest \d{6} \(content altered: flipped or changed bytes\)$/.test(m))).toBe(true);
  });

  it('a removed segment', async () => {
    const r = await tampered((dir) => unlink(seg(dir, 2)));
    expect(r.kinds).toContain('segment_missing');
    expect(r.messages.some((m) => /^segment 000002: listed in digest \d{6} but missing from the store \(segment removed\)$/.test(m))).toBe(true);
  });

  it('reordered segments', async () => {
    const r = await tampered(async (dir) => {
      const a = await readFile(seg(dir, 1));
      const b = await readFile(seg(dir, 2));
      await writeFile(seg(dir, 1), b);
      await writeFile(seg(dir, 2), a);
    });
    expect(r.kinds).toContain('segments_reordered');
    expect(r.messages).toContain('segment 000001: holds the content of segment 000002 (segments reordered or swapped)');
  });

  it('a truncated segment (cut gzip, and cut content re-compressed)', async () => {
    const cut = await tampered(async (dir) => {
      const b = await readFile(seg(dir, 3));
      await writeFile(seg(dir, 3), b.subarray(0, Math.floor(b.length / 2)));
    });
    expect(cut.kinds).toContain('segment_truncated');
    expect(cut.messages).toContain('segment 000003: gzip stream ends early (segment truncated)');
    const recompressed = await tampered(async (dir) => {
      const lines = gunzipSync(await readFile(seg(dir, 3))).toString().split('\n');
      await writeFile(seg(dir, 3), gzipSync(lines.slice(0, Math.max(1, lines.length - 3)).join('\n') + '\n'));
    });
    expect(recompressed.kinds).toEqual(expect.arrayContaining(['segment_altered', 'segment_truncated']));
    expect(recompressed.messages.some((m) => /^segment 000003: ends at event seq \d+ but the digest lists events up to seq \d+ \(segment truncated\)$/.test(m))).toBe(true);
  });

  it('a replaced digest', async () => {
    const r = await tampered(async (dir) => {
      await writeFile(dig(dir, 2), await readFile(dig(dir, 1)));
    });
    expect(r.kinds).toEqual(expect.arrayContaining(['digest_replaced', 'digest_chain_broken']));
    expect(r.messages).toContain(`digest 000002: signed content is digest 000001 of session ${sessionId}, not digest 000002 of ${sessionId} (digest replaced)`);
    const fromOther = await tampered(async (dir) => {
      const otherDir = join(dir, '..', otherSessionId);
      await writeFile(dig(dir, 1), await readFile(dig(otherDir, 1)));
    });
    expect(fromOther.messages).toContain(`digest 000001: signed content is digest 000001 of session ${otherSessionId}, not digest 000001 of ${sessionId} (digest replaced)`);
  });

  it('a digest signed with another key (same kid, and its own kid)', async () => {
    const attacker = await signingKeyFromPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const forge = async (dir: string, kid?: string): Promise<void> => {
      const jws = (await readFile(dig(dir, 2), 'utf8')).split('.');
      const payload = JSON.parse(Buffer.from(jws[1]!, 'base64url').toString()) as DigestPayload;
      payload.segments = payload.segments.slice(1);
      const header = JSON.parse(Buffer.from(jws[0]!, 'base64url').toString()) as { kid: string };
      await writeFile(dig(dir, 2), await signDigest(payload, { ...attacker, kid: kid ?? header.kid }));
    };
    const sameKid = await tampered((dir) => forge(dir));
    expect(sameKid.kinds).toContain('digest_bad_signature');
    expect(sameKid.messages.some((m) => m.startsWith('digest 000002: signature does not verify with key kid='))).toBe(true);
    const ownKid = await tampered((dir) => forge(dir, attacker.kid));
    expect(ownKid.messages).toContain(`digest 000002: signed with unknown key kid=${attacker.kid}`);
  });

  it('an event removed from the middle of a segment', async () => {
    const r = await tampered(async (dir) => {
      const lines = gunzipSync(await readFile(seg(dir, 2))).toString().split('\n');
      const mid = Math.floor((lines.length - 1) / 2);
      lines.splice(mid, 1);
      await writeFile(seg(dir, 2), gzipSync(lines.join('\n')));
    });
    expect(r.kinds).toEqual(expect.arrayContaining(['segment_altered', 'event_missing', 'chain_broken']));
    expect(r.messages.some((m) => /^segment 000002: sequence jumps from (\d+) to \d+ \(1 event\(s\) missing\)$/.test(m))).toBe(true);
  });

  it('a removed final digest', async () => {
    const r = await tampered(async (dir) => {
      const all = (await readdir(join(dir, 'digests'))).sort();
      await unlink(join(dir, 'digests', all[all.length - 1]!));
    });
    expect(r.kinds).toContain('not_final');
  });
});
