/**
 * One pass over a session's records (events and damaged ranges) that keeps only what the auditor's
 * views need and is bounded whatever the session holds: each statement's decision details (rule and
 * reason of a denial), the notable events, the damaged ranges, and — when results are asked for —
 * at most `maxRows` decoded rows of each statement (plus its row count).
 */
import type { DamagedRange, RecordingEvent, SessionRecord } from '@snowtrail/recording';
import type { WireCell } from './arrow.js';
import { decodeResultPart, partOrder, ResultAssembler, type RecordedPart } from './results.js';
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

/** The statement (seq of its `query` event) a part belongs to. */
function statementOf(p: RecordedPart, bySeqKey: Map<string, number>): number | undefined {
  return p.querySeq ?? (p.requestId !== undefined ? bySeqKey.get(`r:${p.requestId}`) : undefined) ?? (p.queryId !== undefined ? bySeqKey.get(`q:${p.queryId}`) : undefined);
}

function rowsOfPart(p: RecordedPart, context: ColumnType[], keep: number): PartRows {
  const base = { order: partOrder(p.part), columns: context, rows: [] as WireCell[][], count: 0 };
  if (p.redaction?.method === 'withheld') return { ...base, problem: `${p.part}: not stored (redacted columns ${p.redaction.columns.join(', ')} in an Arrow result)` };
  try {
    const d = decodeResultPart(p, context);
    const rows: WireCell[][] = [];
    let count = 0;
    for (const r of d.rows) {
      if (rows.length < keep) rows.push(r);
      count++;
    }
    return { ...base, columns: d.columns, rows, count, ...(p.aborted ? { problem: `${p.part}: cut short (${p.aborted}); ${count} row(s) readable` } : {}) };
  } catch (err) {
    return { ...base, problem: `${p.part}: could not be decoded (${p.aborted ? `cut short: ${p.aborted}; ` : ''}${(err as Error).message})` };
  }
}

/** Runs the pass. */
export async function passSession(records: AsyncIterable<SessionRecord>, options: { results?: boolean; maxRows?: number } = {}): Promise<SessionPass> {
  const keep = options.maxRows ?? 20;
  const pass: SessionPass = { denials: new Map(), notable: [], damaged: [], results: new Map() };
  const assembler = new ResultAssembler();
  const keys = new Map<string, number>();
  const parts = new Map<number, { rows: PartRows[]; redacted: Set<string> }>();
  const take = (p: RecordedPart): void => {
    const seq = statementOf(p, keys);
    if (seq === undefined) return;
    const st = parts.get(seq) ?? { rows: [], redacted: new Set<string>() };
    parts.set(seq, st);
    for (const c of p.redaction?.columns ?? []) st.redacted.add(c);
    const inline = st.rows.find((r) => r.order === -1);
    st.rows.push(rowsOfPart(p, inline?.columns ?? [], keep));
  };
  for await (const r of records) {
    if (r.kind === 'damage') {
      pass.damaged.push(r.damage);
      continue;
    }
    const e = r.event;
    const d = e.data;
    if (e.type === 'query' || e.type === 'query.denied') {
      keys.set(`r:${String(d.requestId)}`, e.seq);
      if (e.type === 'query.denied' || d.decision === 'deny') pass.denials.set(e.seq, { ...(typeof d.rule === 'string' ? { rule: d.rule } : {}), ...(typeof d.reason === 'string' ? { reason: d.reason } : {}) });
    } else if (e.type === 'query.end' && typeof d.queryId === 'string') {
      const seq = typeof d.querySeq === 'number' ? d.querySeq : keys.get(`r:${String(d.requestId)}`);
      if (seq !== undefined) keys.set(`q:${d.queryId}`, seq);
    }
    if (NOTABLE_TYPES.has(e.type)) pass.notable.push(e);
    if (options.results) {
      const closed = assembler.push(e);
      if (closed) take(closed);
    }
  }
  for (const p of assembler.unclosed()) take({ ...p, aborted: p.aborted ?? 'its closing event is not in the readable recording' });
  for (const [seq, st] of parts) pass.results.set(seq, mergeParts(st.rows, st.redacted, keep));
  return pass;
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
