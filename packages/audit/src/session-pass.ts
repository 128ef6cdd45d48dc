/**
 * One pass over a session's records (events and damaged ranges) that keeps only what the auditor's
 * views need and is bounded whatever the session holds: each statement's decision details (rule and
 * reason of a denial), the notable events, the damaged ranges, and — when results are asked for —
 * at most `maxRows` decoded rows of each statement (plus its row count).
 */
import type { DamagedRange, RecordingEvent, SessionRecord } from '@snowtrail/recording';
import type { WireCell } from './arrow.js';
import { PartDecoder, type DecodedResultPart } from './part-stream.js';
import { partOrder } from './results.js';
import type { ColumnType } from './wire-values.js';

/** Why a statement was denied, as its `query` / `query.denied` event says. */
export interface Denial {
  rule?: string;
  reason?: string;
}

/** The rows kept of one part. */
interface PartRows {
  order: number;
  columns: ColumnType[];
  rows: WireCell[][];
  count: number;
  problem?: string;
}

/** The rows of one statement, at most `maxRows` of them, with the total. */
export interface StatementRows {
  columns: ColumnType[];
  rows: WireCell[][];
  total: number;
  redacted: string[];
  /** Parts that could not be shown, and why. */
  problems: string[];
}

/** What a pass keeps. */
export interface SessionPass {
  denials: Map<number, Denial>;
  notable: RecordingEvent[];
  damaged: DamagedRange[];
  results: Map<number, StatementRows>;
}

/** Event types shown besides statements. */
export const NOTABLE_TYPES = new Set(['auth.failure', 'note', 'gap', 'session.interrupted', 'session.end', 'result.abort']);

/** Keeps at most `keep` rows of a decoded part, counting all of them. */
async function keepRows(d: DecodedResultPart, keep: number): Promise<PartRows> {
  const rows: WireCell[][] = [];
  let count = 0;
  try {
    for await (const batch of d.batches) {
      for (const r of batch) if (rows.length < keep) rows.push(r);
      count += batch.length;
    }
  } catch (err) {
    return { order: partOrder(d.part.part), columns: d.columns, rows, count, problem: `${d.part.part}: ${d.problem ? `${d.problem}; ` : ''}could not be decoded past row ${count} (${(err as Error).message})` };
  }
  return { order: partOrder(d.part.part), columns: d.columns, rows, count, ...(d.problem ? { problem: `${d.part.part}: ${d.problem}${count > 0 ? `; ${count} row(s) readable` : ''}` } : {}) };
}

/** Runs the pass. */
export async function passSession(records: AsyncIterable<SessionRecord>, options: { results?: boolean; maxRows?: number } = {}): Promise<SessionPass> {
  const keep = options.maxRows ?? 20;
  const pass: SessionPass = { denials: new Map(), notable: [], damaged: [], results: new Map() };
  const decoder = new PartDecoder();
  const parts = new Map<number, StatementParts>();
  const take = async (d: DecodedResultPart): Promise<void> => {
    if (d.seq === undefined) return;
    const st = parts.get(d.seq) ?? { rows: [], redacted: new Set<string>(), kept: 0, lastKeptOrder: -Infinity };
    parts.set(d.seq, st);
    for (const c of d.part.redaction?.columns ?? []) st.redacted.add(c);
    addPart(st, await keepRows(d, keep), keep);
  };
  for await (const r of records) {
    if (r.kind === 'damage') {
      pass.damaged.push(r.damage);
      continue;
    }
    const e = r.event;
    const d = e.data;
    if ((e.type === 'query' || e.type === 'query.denied') && (e.type === 'query.denied' || d.decision === 'deny')) {
      pass.denials.set(e.seq, { ...(typeof d.rule === 'string' ? { rule: d.rule } : {}), ...(typeof d.reason === 'string' ? { reason: d.reason } : {}) });
    }
    if (NOTABLE_TYPES.has(e.type)) pass.notable.push(e);
    if (options.results) {
      const closed = await decoder.push(e, r.openBlob);
      if (closed) await take(closed);
    }
  }
  if (options.results) for (const p of decoder.finish()) await take(p);
  for (const [seq, st] of parts) pass.results.set(seq, mergeParts(st.rows, st.redacted, keep));
  return pass;
}

/** The parts of one statement seen so far, and how many of their rows are kept. */
interface StatementParts {
  rows: PartRows[];
  redacted: Set<string>;
  kept: number;
  /** Order of the last part that has rows kept. */
  lastKeptOrder: number;
}

/**
 * Adds a part, keeping at most `keep` rows over all parts of the statement, the first ones in part
 * order: a statement of thousands of chunks holds `keep` rows, not `keep` rows a chunk (the counts
 * stay whole). Parts usually close in order, and then a full statement drops a new part's rows at once.
 */
function addPart(st: StatementParts, p: PartRows, keep: number): void {
  if (st.kept >= keep && p.order > st.lastKeptOrder) p.rows = [];
  st.rows.push(p);
  st.kept += p.rows.length;
  if (p.rows.length > 0 && p.order > st.lastKeptOrder) st.lastKeptOrder = p.order;
  if (st.kept <= keep) return;
  st.rows.sort((a, b) => a.order - b.order);
  let room = keep;
  for (const x of st.rows) {
    if (x.rows.length > room) x.rows = x.rows.slice(0, room);
    room -= x.rows.length;
    if (x.rows.length > 0) st.lastKeptOrder = x.order;
  }
  st.kept = keep;
}

function mergeParts(list: PartRows[], redacted: Set<string>, keep: number): StatementRows {
  const sorted = [...list].sort((a, b) => a.order - b.order);
  const out: StatementRows = { columns: sorted.find((p) => p.columns.length > 0)?.columns ?? [], rows: [], total: 0, redacted: [...redacted], problems: [] };
  for (const p of sorted) {
    for (const r of p.rows) if (out.rows.length < keep) out.rows.push(r);
    out.total += p.count;
    if (p.problem) out.problems.push(p.problem);
  }
  return out;
}
