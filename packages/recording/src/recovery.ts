/**
 * Crash recovery: a previous process's spool folders are scanned on start. Sealed and open segments
 * not yet covered by a digest are kept (a partial last line — never acknowledged — is cut off), the
 * chain is continued from the last durable event, and sessions that were not ended get a
 * `session.interrupted` event; everything is then queued for upload and final digests.
 */
import { readFile, readdir, rename, rm, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex, splitLines } from './chain.js';
import type { RecordingEvent } from './format.js';
import { applyEventToIndex } from './index-object.js';
import { SessionWriter, sealedSegmentName, type SessionWriterHost } from './session-writer.js';
import { loadState, writeFileDurable, type SessionState } from './spool-state.js';

/** A session recovered from the spool. */
export interface RecoveredSession {
  writer: SessionWriter;
  state: SessionState;
  /** Bytes of its segments still in the spool. */
  spoolBytes: number;
  /** Whether this process appended `session.interrupted`. */
  interrupted: boolean;
}

const SEGMENT_FILE = /^(\d{6})(\.open)?\.jsonl$/;

/** Scans `root` (the spool's v1 folder) and rebuilds writers for what a previous process left. */
export async function scanSpool(root: string, journalDir: string, host: SessionWriterHost): Promise<RecoveredSession[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RecoveredSession[] = [];
  for (const name of names.sort()) {
    const dir = join(root, name);
    const state = await loadState(dir);
    if (!state) {
      // No state file: the session's first event was never acknowledged.
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    const files = (await readdir(dir))
      .map((f) => ({ f, m: SEGMENT_FILE.exec(f) }))
      .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ file: x.f, no: Number(x.m[1]), open: x.m[2] !== undefined }))
      .sort((a, b) => a.no - b.no);
    const writer = new SessionWriter({
      sessionId: state.sessionId,
      dir,
      head: state.chainHead,
      summary: { ...state.summary },
      segNo: Math.max(state.digestedThrough, ...files.map((f) => f.no)),
      host,
    });
    let spoolBytes = 0;
    for (const f of files) {
      let path = join(dir, f.file);
      if (f.no <= state.digestedThrough) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      const bytes = await readFile(path);
      const { lines, partial } = splitLines(bytes);
      const kept = bytes.length - (partial?.length ?? 0);
      if (partial) await truncate(path, kept);
      if (lines.length === 0) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (f.open) {
        const sealed = join(dir, sealedSegmentName(f.no));
        await rename(path, sealed);
        path = sealed;
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
    out.push({ writer, state, spoolBytes, interrupted: false });
  }
  await recoverJournals(journalDir, out);
  return out;
}

/**
 * Splits journal files a previous process left: each session's events after the last one already
 * in its segments become a new segment of that session. Idempotent: a journal that was partly
 * split before the crash contributes only the events not yet in segment files.
 */
async function recoverJournals(journalDir: string, sessions: RecoveredSession[]): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(journalDir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const byId = new Map(sessions.map((s) => [s.writer.sessionId, s]));
  for (const name of names) {
    const path = join(journalDir, name);
    const { lines } = splitLines(await readFile(path));
    const grouped = new Map<string, { line: Buffer; event: RecordingEvent }[]>();
    for (const line of lines) {
      let event: RecordingEvent;
      try {
        event = JSON.parse(line.toString('utf8')) as RecordingEvent;
      } catch {
        continue;
      }
      const list = grouped.get(event.sessionId) ?? [];
      list.push({ line, event });
      grouped.set(event.sessionId, list);
    }
    for (const [sessionId, entries] of grouped) {
      const r = byId.get(sessionId);
      if (!r) continue; // No state file (never acknowledged) or already fully digested.
      const w = r.writer;
      const fresh: { line: Buffer; event: RecordingEvent }[] = [];
      for (const e of entries) {
        if (e.event.seq <= w.head.seq) continue;
        if (e.event.seq !== w.head.seq + 1 + fresh.length) break;
        fresh.push(e);
      }
      if (fresh.length === 0) continue;
      const no = ++w.segNo;
      const segPath = join(w.dir, sealedSegmentName(no));
      const body = Buffer.concat(fresh.flatMap((e) => [e.line, Buffer.from('\n')]));
      await writeFileDurable(segPath, w.dir, body);
      for (const e of fresh) applyEventToIndex(w.summary, w.touched, w.querySeqs, e.event, no);
      const first = fresh[0]!.event;
      const last = fresh[fresh.length - 1]!;
      const lastHash = sha256Hex(last.line);
      w.sealed.push({ no, path: segPath, bytes: body.length, firstSeq: first.seq, lastSeq: last.event.seq, lastHash, firstTime: Date.parse(first.time), lastTime: Date.parse(last.event.time) });
      w.head = { seq: last.event.seq, hash: lastHash };
      r.spoolBytes += body.length;
    }
    await unlink(path).catch(() => undefined);
  }
}
