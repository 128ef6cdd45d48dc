/**
 * `sessions verify`: checks a session's digests (signature, numbering, previous-digest chain,
 * finality), that every segment a digest lists exists with the listed SHA-256, that no segment is
 * unlisted, that the events form one unbroken hash chain matching the digests' heads, and that each
 * result part's stored bytes hash to what its events say. Every problem is reported with a
 * specific, stable `kind` and a message naming the object.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { checkChainLines, genesisHead, sha256Hex, splitLines, type ChainHead } from './chain.js';
import { checkBlobs, type BlobReference } from './verify-blobs.js';
import { verifyDigest, type DigestBlob, type DigestPayload, type DigestSegment } from './digest.js';
import { FORMAT_VERSION, type BlobRef, type FormatVersion } from './format.js';
import { parseEvent } from './event-schema.js';
import type { PublishedJwk } from './keys.js';
import { objectNumber, pad, resolveDigestKey, sessionPrefix } from './layout.js';
import type { ObjectStore } from './store.js';

/** Stable kinds of verification problems. */
export type ProblemKind =
  | 'no_digest'
  | 'digest_malformed'
  | 'digest_unknown_key'
  | 'digest_bad_signature'
  | 'digest_key_not_valid'
  | 'digest_replaced'
  | 'digest_missing'
  | 'digest_chain_broken'
  | 'not_final'
  | 'index_mismatch'
  | 'segment_missing'
  | 'segment_altered'
  | 'segments_reordered'
  | 'segment_unlisted'
  | 'segment_truncated'
  | 'segment_not_gzip'
  | 'event_missing'
  | 'chain_broken'
  | 'event_unparsable'
  | 'event_invalid'
  | 'chain_head_mismatch'
  | 'result_hash_mismatch'
  | 'blob_missing'
  | 'blob_altered'
  | 'blob_unlisted';

/** One problem found. */
export interface VerifyProblem {
  kind: ProblemKind;
  message: string;
}

/** Result of verifying one session. */
export interface VerifyReport {
  sessionId: string;
  ok: boolean;
  problems: VerifyProblem[];
  digests: number;
  segments: number;
  events: number;
  status?: string;
  keyIds: string[];
}

const CHAIN_KIND: Record<string, ProblemKind> = {
  unparsable: 'event_unparsable',
  invalid: 'event_invalid',
  seq_gap: 'event_missing',
  prev_hash_mismatch: 'chain_broken',
  wrong_session: 'chain_broken',
  bad_version: 'chain_broken',
};

/** Options of verifySession. */
export interface VerifySessionOptions {
  /** The session folder's listing, when the caller has just taken it (saves one LIST). */
  objects?: { key: string; size: number }[];
}

/** Verifies one session against the given public keys. */
export async function verifySession(store: ObjectStore, sessionId: string, keys: PublishedJwk[], options: VerifySessionOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const add = (kind: ProblemKind, message: string): void => {
    problems.push({ kind, message });
  };
  const base = sessionPrefix(store.prefix, sessionId);
  const objects = options.objects ?? (await store.list(base));
  const byFolder = (f: string): { key: string; no: number }[] =>
    objects
      .filter((o) => o.key.startsWith(`${base}${f}/`))
      .map((o) => ({ key: o.key, no: objectNumber(o.key) ?? -1 }))
      .filter((o) => o.no >= 0)
      .sort((a, b) => a.no - b.no);
  const digestObjs = byFolder('digests');
  const segmentObjs = byFolder('segments');
  const keyIds = new Set<string>();
  const report = (extra: Partial<VerifyReport> = {}): VerifyReport => ({
    sessionId,
    ok: problems.length === 0,
    problems,
    digests: digestObjs.length,
    segments: segmentObjs.length,
    events: 0,
    keyIds: [...keyIds],
    ...extra,
  });
  if (digestObjs.length === 0) {
    add('no_digest', `session ${sessionId}: no digest found${segmentObjs.length > 0 ? ` (${segmentObjs.length} segment(s) are not covered by any signed digest)` : ''}`);
    return report();
  }

  // 1. Digests: signature, identity, numbering, previous-digest chain.
  const listed = new Map<number, { seg: DigestSegment; digestNo: number }>();
  let prev: { no: number; sha256: string } | undefined;
  let lastPayload: DigestPayload | undefined;
  let expectedNo = 1;
  let version: FormatVersion | undefined;
  const listedBlobs = new Map<string, DigestBlob>();
  for (const d of digestObjs) {
    const name = `digest ${pad(d.no)}`;
    if (d.no !== expectedNo) add('digest_missing', `${name}: digest(s) ${pad(expectedNo)}${d.no - 1 > expectedNo ? `..${pad(d.no - 1)}` : ''} missing before it`);
    expectedNo = d.no + 1;
    const body = (await store.get(d.key)) ?? Buffer.alloc(0);
    const sha = sha256Hex(body);
    const check = await verifyDigest(body.toString('utf8'), keys);
    if (!check.ok) {
      const kind: ProblemKind = check.reason === 'unknown_key' ? 'digest_unknown_key' : check.reason === 'bad_signature' ? 'digest_bad_signature' : check.reason === 'key_not_valid_then' ? 'digest_key_not_valid' : 'digest_malformed';
      add(kind, `${name}: ${check.message}`);
      prev = { no: d.no, sha256: sha };
      continue;
    }
    keyIds.add(check.kid);
    const p = check.payload;
    if (p.sessionId !== sessionId || p.no !== d.no) {
      add('digest_replaced', `${name}: signed content is digest ${pad(p.no)} of session ${p.sessionId}, not digest ${pad(d.no)} of ${sessionId} (digest replaced)`);
    }
    const wantPrev = prev ? { no: prev.no, sha256: prev.sha256 } : null;
    if (wantPrev === null && p.previousDigest !== null) add('digest_chain_broken', `${name}: refers to a previous digest ${pad(p.previousDigest.no)} that does not exist`);
    if (wantPrev !== null && (p.previousDigest === null || p.previousDigest.sha256 !== wantPrev.sha256)) {
      add('digest_chain_broken', `${name}: previous-digest SHA-256 does not match digest ${pad(wantPrev.no)} as stored (a digest was replaced or removed)`);
    }
    if (p.version !== 1 && p.version !== 2) add('digest_malformed', `${name}: unsupported format version ${String(p.version)}`);
    else if (version !== undefined && p.version !== version) add('digest_malformed', `${name}: format version ${p.version}, the session's earlier digests are version ${version}`);
    else version = p.version;
    for (const b of p.blobs ?? []) listedBlobs.set(b.sha256, b);
    const idx = await store.get(resolveDigestKey(store.prefix, sessionId, p.index.key, p.version));
    if (!idx) add('index_mismatch', `${name}: index part ${p.index.key.split('/').pop()} is missing`);
    else if (sha256Hex(idx) !== p.index.sha256) add('index_mismatch', `${name}: index part ${p.index.key.split('/').pop()} does not match its SHA-256 in the digest (index altered)`);
    for (const s of p.segments) listed.set(s.no, { seg: s, digestNo: d.no });
    prev = { no: d.no, sha256: sha };
    lastPayload = p;
  }
  if (lastPayload && !lastPayload.final) {
    add('not_final', `session ${sessionId}: the last digest (${pad(lastPayload.no)}) is not final — the session is still open, or later digests were removed`);
  }

  // 2. Segments: listed ⇔ present, content hashes, order, then the event chain.
  const shaToListed = new Map<string, number>();
  for (const [no, { seg }] of listed) shaToListed.set(seg.sha256, no);
  for (const s of segmentObjs) if (!listed.has(s.no)) add('segment_unlisted', `segment ${pad(s.no)}: present in the store but listed in no digest`);
  const maxListed = Math.max(0, ...listed.keys());
  let head: ChainHead = genesisHead();
  let events = 0;
  const parts = new Map<string, { hash: ReturnType<typeof createHash>; bytes: number }>();
  const blobRefs: BlobReference[] = [];
  for (let no = 1; no <= maxListed; no++) {
    const entry = listed.get(no);
    const name = `segment ${pad(no)}`;
    if (!entry) {
      add('segment_missing', `${name}: not listed in any digest (digest segment numbering has a hole)`);
      continue;
    }
    const obj = segmentObjs.find((o) => o.no === no);
    const body = obj ? await store.get(obj.key) : undefined;
    if (!body) {
      add('segment_missing', `${name}: listed in digest ${pad(entry.digestNo)} but missing from the store (segment removed)`);
      head = { seq: entry.seg.lastSeq, hash: entry.seg.lastHash };
      continue;
    }
    const sha = sha256Hex(body);
    if (sha !== entry.seg.sha256) {
      const other = shaToListed.get(sha);
      if (other !== undefined && other !== no) add('segments_reordered', `${name}: holds the content of segment ${pad(other)} (segments reordered or swapped)`);
      else add('segment_altered', `${name}: SHA-256 does not match digest ${pad(entry.digestNo)} (content altered: flipped or changed bytes)`);
    }
    let raw: Buffer;
    try {
      raw = gunzipSync(body);
    } catch (err) {
      const msg = (err as Error).message;
      if (/unexpected end/i.test(msg)) add('segment_truncated', `${name}: gzip stream ends early (segment truncated)`);
      else add('segment_not_gzip', `${name}: not a valid gzip stream (${msg})`);
      head = { seq: entry.seg.lastSeq, hash: entry.seg.lastHash };
      continue;
    }
    const { lines, partial } = splitLines(raw);
    if (partial) add('segment_truncated', `${name}: last event is cut off without its newline (segment truncated)`);
    const checked = checkChainLines(head, sessionId, lines, name, version ?? FORMAT_VERSION);
    for (const pr of checked.problems) add(CHAIN_KIND[pr.kind] ?? 'chain_broken', pr.message);
    events += checked.events;
    if (checked.head.seq < entry.seg.lastSeq) {
      add('segment_truncated', `${name}: ends at event seq ${checked.head.seq} but the digest lists events up to seq ${entry.seg.lastSeq} (segment truncated)`);
    } else if (checked.head.seq !== entry.seg.lastSeq || checked.head.hash !== entry.seg.lastHash) {
      add('chain_head_mismatch', `${name}: last event (seq ${checked.head.seq}) does not match the digest's recorded chain head for this segment`);
    }
    checkResultParts(lines, parts, add, blobRefs);
    head = checked.head;
  }
  for (const p of await checkBlobs(store, sessionId, blobRefs, listedBlobs, new Map(objects.map((o) => [o.key, o.size])))) add(p.kind, p.message);
  if (lastPayload && (head.seq !== lastPayload.chainHead.seq || head.hash !== lastPayload.chainHead.hash) && !problems.some((p) => p.kind.startsWith('segment') || p.kind === 'chain_head_mismatch')) {
    add('chain_head_mismatch', `session ${sessionId}: the chain ends at seq ${head.seq} but the last digest's chain head is seq ${lastPayload.chainHead.seq}`);
  }
  return report({ events, ...(lastPayload ? { status: lastPayload.status } : {}) });
}

/** Re-hashes the stored bytes of result parts and compares with their closing events. */
function checkResultParts(lines: Buffer[], parts: Map<string, { hash: ReturnType<typeof createHash>; bytes: number }>, add: (k: ProblemKind, m: string) => void, blobRefs: BlobReference[]): void {
  for (const line of lines) {
    // Invalid events are reported by the chain check; their payloads are not trusted here.
    const parsed = parseEvent(line);
    if (!parsed.ok) continue;
    const e = parsed.event;
    const d = e.data as Record<string, unknown>;
    if (e.type === 'result') {
      const blob = (d as { blob?: BlobRef }).blob;
      if (blob) blobRefs.push({ partId: String(d.partId), seq: e.seq, ref: blob });
      else if (d.streamed) parts.set(String(d.partId), { hash: createHash('sha256'), bytes: 0 });
      else if (typeof d.base64 === 'string' && sha256Hex(Buffer.from(d.base64, 'base64')) !== d.sha256) {
        add('result_hash_mismatch', `result part ${String(d.partId)} (event seq ${e.seq}): stored bytes do not hash to the recorded SHA-256`);
      }
    } else if (e.type === 'result.data') {
      const p = parts.get(String(d.partId));
      if (p) {
        const b = Buffer.from(String(d.base64), 'base64');
        p.hash.update(b);
        p.bytes += b.length;
      }
    } else if (e.type === 'result.end') {
      const p = parts.get(String(d.partId));
      if (p && (p.hash.digest('hex') !== d.sha256 || p.bytes !== d.bytes)) {
        add('result_hash_mismatch', `result part ${String(d.partId)} (event seq ${e.seq}): stored bytes do not hash to the recorded SHA-256`);
      }
      parts.delete(String(d.partId));
    }
  }
}

/**
 * For `verify --allow-open`: a session whose only problem is a non-final last digest is reported as
 * intact so far, with status `open`. A live session and one whose later digests were removed look
 * the same from the store, so this is an explicit choice of the caller (e.g. a job verifying a
 * namespace where pipelines are still running), never the default.
 */
export function allowOpenSession(report: VerifyReport): VerifyReport {
  if (report.ok || report.problems.length === 0 || !report.problems.every((p) => p.kind === 'not_final')) return report;
  return { ...report, ok: true, problems: [], status: 'open (intact so far; not final)' };
}
