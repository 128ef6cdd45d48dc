/**
 * Crash recovery: a previous process's spool folders are scanned on start. Sealed segments not yet
 * covered by a digest are kept (a partial last line — never acknowledged — is cut off), journal
 * files are split into one more segment a session, the chain is continued from the last durable
 * event, and sessions that were not ended get a `session.interrupted` event (by the recorder);
 * everything is then queued for upload and final digests.
 */
import { join } from 'node:path';
import { sha256Hex, splitLines } from './chain.js';
import { spoolBlobDir, spoolBlobPath } from './blob-spool.js';
import { decodeJournalBlob } from './journal.js';
import { FORMAT_VERSION, type RecordingEvent } from './format.js';
import { applyEventToIndex } from './index-object.js';
import { SessionWriter, sealedSegmentName, type SessionWriterHost } from './session-writer.js';
import { isNotFound, type SpoolFs } from './spool-fs.js';
import { loadState, writeFileDurable, type SessionState } from './spool-state.js';

/** A session recovered from the spool. */
export interface RecoveredSession {
  writer: SessionWriter;
  state: SessionState;
  /** Bytes of its segments and blob files still in the spool. */
  spoolBytes: number;
  /** Whether this process appended `session.interrupted`. */
  interrupted: boolean;
}

const SEGMENT_FILE = /^(\d{6})(\.open)?\.jsonl$/;

interface Line {
  line: Buffer;
  event: RecordingEvent;
}

async function listOrEmpty(fs: SpoolFs, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Scans `root` (the spool's v1 folder) and rebuilds writers for what a previous process left. */
export async function scanSpool(fs: SpoolFs, root: string, journalDir: string, host: SessionWriterHost): Promise<RecoveredSession[]> {
  const out: RecoveredSession[] = [];
  for (const name of (await listOrEmpty(fs, root)).sort()) {
    const dir = join(root, name);
    const state = await loadState(fs, dir);
    if (!state) {
      // No state file: the session's first event was never acknowledged.
      await fs.rmTree(dir);
      continue;
    }
    out.push(await recoverSession(fs, dir, state, host));
  }
  await recoverJournals(fs, journalDir, out);
  return out;
}

async function recoverSession(fs: SpoolFs, dir: string, state: SessionState, host: SessionWriterHost): Promise<RecoveredSession> {
  const names = await fs.readdir(dir);
  // Temp files of durable writes that never completed hold nothing acknowledged.
  for (const n of names.filter((f) => f.includes('.tmp-'))) await fs.unlink(join(dir, n)).catch(() => undefined);
  const files = names
    .map((f) => ({ f, m: SEGMENT_FILE.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ file: x.f, no: Number(x.m[1]) }))
    .sort((a, b) => a.no - b.no);
  const writer = new SessionWriter({
    sessionId: state.sessionId,
    dir,
    head: state.chainHead,
    summary: { ...state.summary },
    segNo: Math.max(state.digestedThrough, ...files.map((f) => f.no)),
    host,
    formatVersion: state.formatVersion ?? FORMAT_VERSION,
  });
  writer.shouldReconcile = true;
  let spoolBytes = await recoverBlobs(fs, dir, writer);
  for (const f of files) {
    const path = join(dir, f.file);
    if (f.no <= state.digestedThrough) {
      await fs.unlink(path).catch(() => undefined);
      continue;
    }
    const bytes = await fs.readFile(path);
    const { lines, partial } = splitLines(bytes);
    const kept = bytes.length - (partial?.length ?? 0);
    if (partial) await fs.truncate(path, kept);
    if (lines.length === 0) {
      await fs.unlink(path).catch(() => undefined);
      continue;
    }
    let first: RecordingEvent | undefined;
    let last: RecordingEvent | undefined;
    for (const line of lines) {
      const event = JSON.parse(line.toString('utf8')) as RecordingEvent;
      first ??= event;
      last = event;
      applyEventToIndex(writer.summary, writer.touched, writer.querySeqs, event, f.no);
    }
    const lastHash = sha256Hex(lines[lines.length - 1]!);
    writer.sealed.push({ no: f.no, path, bytes: kept, firstSeq: first!.seq, lastSeq: last!.seq, lastHash, firstTime: Date.parse(first!.time), lastTime: Date.parse(last!.time) });
    writer.head = { seq: last!.seq, hash: lastHash };
    spoolBytes += kept;
  }
  return { writer, state, spoolBytes, interrupted: false };
}

/**
 * v2: temp blob files (never renamed to their content name) hold nothing acknowledged and are
 * deleted; the blob files left count against the spool's cap until a digest covers them or the
 * session's folder goes. Returns their bytes.
 */
async function recoverBlobs(fs: SpoolFs, dir: string, writer: SessionWriter): Promise<number> {
  const blobDir = spoolBlobDir(dir);
  let bytes = 0;
  for (const n of await listOrEmpty(fs, blobDir)) {
    if (n.includes('.tmp-')) {
      await fs.unlink(join(blobDir, n)).catch(() => undefined);
      continue;
    }
    // A file whose bytes do not hash to its name was cut by a crash before it was durable (no
    // durable event refers to it): never taken for a good copy.
    const body = await fs.readFile(join(blobDir, n));
    if (sha256Hex(body) !== n) {
      await fs.unlink(join(blobDir, n)).catch(() => undefined);
      continue;
    }
    writer.blobSpace.adopt(n, body.length);
    bytes += body.length;
  }
  return bytes;
}

/**
 * Continues a session's chain with one journal's lines (pure apart from `chain`): a line is taken
 * when it links to the line before it (seq and prevHash). Where two lines claim the same place, the
 * later journal wins: a fork only exists because a write failed, was refused, and the session went
 * on from its last durable event in a newer journal.
 */
export function continueChain(base: { seq: number; hash: string }, chain: Line[], lines: Line[]): void {
  for (const l of lines) {
    const at = l.event.seq - (base.seq + 1);
    if (at < 0 || at > chain.length) continue;
    const prevHash = at === 0 ? base.hash : sha256Hex(chain[at - 1]!.line);
    if (l.event.prevHash !== prevHash) continue;
    if (at < chain.length) {
      if (chain[at]!.line.equals(l.line)) continue;
      chain.length = at;
    }
    chain.push(l);
  }
}

/**
 * Writes the spool blob files of recovered `result` events whose payloads travelled in a journal
 * (before the segment that refers to them). A payload the spool already holds is kept.
 */
async function writeRecoveredBlobs(fs: SpoolFs, writer: SessionWriter, events: Line[], carried: Map<string, Buffer> | undefined): Promise<number> {
  if (!carried) return 0;
  let written = 0;
  for (const { event } of events) {
    const sha = event.type === 'result' ? (event.data as { blob?: { sha256?: unknown } }).blob?.sha256 : undefined;
    const bytes = typeof sha === 'string' ? carried.get(sha) : undefined;
    if (typeof sha !== 'string' || bytes === undefined || writer.blobSpace.hasFile(sha)) continue;
    await writeFileDurable(fs, spoolBlobPath(writer.dir, sha), spoolBlobDir(writer.dir), bytes);
    writer.blobSpace.adopt(sha, bytes.length);
    written += bytes.length;
  }
  return written;
}

/**
 * Splits journal files a previous process left: each session's events after the last one already
 * in its segments become one new segment of that session. Idempotent: a journal that was partly
 * split before the crash contributes only the events not yet in segment files.
 */
async function recoverJournals(fs: SpoolFs, journalDir: string, sessions: RecoveredSession[]): Promise<void> {
  const names = (await listOrEmpty(fs, journalDir)).filter((n) => n.endsWith('.jsonl')).sort();
  const byId = new Map(sessions.map((s) => [s.writer.sessionId, s]));
  const chains = new Map<string, Line[]>();
  // Small v2 payloads carried in the journals, by session and content name.
  const carried = new Map<string, Map<string, Buffer>>();
  for (const name of names) {
    const { lines } = splitLines(await fs.readFile(join(journalDir, name)));
    const grouped = new Map<string, Line[]>();
    for (const line of lines) {
      const payload = decodeJournalBlob(line);
      if (payload) {
        if (!carried.has(payload.sessionId)) carried.set(payload.sessionId, new Map());
        carried.get(payload.sessionId)!.set(payload.sha256, payload.bytes);
        continue;
      }
      let event: RecordingEvent;
      try {
        event = JSON.parse(line.toString('utf8')) as RecordingEvent;
      } catch {
        continue;
      }
      if (!byId.has(event.sessionId)) continue; // No state file (never acknowledged) or already fully digested.
      const list = grouped.get(event.sessionId) ?? [];
      list.push({ line, event });
      grouped.set(event.sessionId, list);
    }
    for (const [sessionId, list] of grouped) {
      const chain = chains.get(sessionId) ?? [];
      continueChain(byId.get(sessionId)!.writer.head, chain, list);
      chains.set(sessionId, chain);
    }
  }
  for (const [sessionId, fresh] of chains) {
    if (fresh.length === 0) continue;
    const r = byId.get(sessionId)!;
    const w = r.writer;
    r.spoolBytes += await writeRecoveredBlobs(fs, w, fresh, carried.get(sessionId));
    const no = w.nextSegmentNo();
    const segPath = join(w.dir, sealedSegmentName(no));
    const body = Buffer.concat(fresh.flatMap((e) => [e.line, Buffer.from('\n')]));
    await writeFileDurable(fs, segPath, w.dir, body);
    for (const e of fresh) applyEventToIndex(w.summary, w.touched, w.querySeqs, e.event, no);
    const first = fresh[0]!.event;
    const last = fresh[fresh.length - 1]!;
    const lastHash = sha256Hex(last.line);
    w.sealed.push({ no, path: segPath, bytes: body.length, firstSeq: first.seq, lastSeq: last.event.seq, lastHash, firstTime: Date.parse(first.time), lastTime: Date.parse(last.event.time) });
    w.head = { seq: last.event.seq, hash: lastHash };
    r.spoolBytes += body.length;
  }
  for (const name of names) await fs.unlink(join(journalDir, name)).catch(() => undefined);
  // Temp files of the journal folder are never journals.
  for (const n of (await listOrEmpty(fs, journalDir)).filter((f) => f.includes('.tmp-'))) await fs.unlink(join(journalDir, n)).catch(() => undefined);
}
