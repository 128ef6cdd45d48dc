/**
 * `sessions replay`: prints the timeline paced like the original (`--speed N`), streamed from the
 * store, with damaged ranges marked and — with `results` — each result part's rows as it closes
 * (JSON and Arrow, made readable by column type).
 */
import { describeDamage, type SessionRecord } from '@snowtrail/recording';
import { renderTable } from './render.js';
import { PartDecoder, type DecodedResultPart } from './part-stream.js';
import type { Sink } from './sink.js';
import { summarizeEvent } from './summarize.js';
import { formatCell } from './wire-values.js';

/** Classes that only read: replayed by default (writes need --include-writes). */
export const READ_ONLY_CLASSES = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'LIST']);

/** Options of a paced timeline. */
export interface TimelineOptions {
  speed: number;
  sleep?: (ms: number) => Promise<void>;
  maxGapMs?: number;
  /** Print up to this many rows of each result part as it closes. */
  resultRows?: number;
}

/** The rows of a part as the timeline prints them: an indented table of at most `max` rows. */
async function partRows(d: DecodedResultPart, max: number): Promise<string> {
  const rows: string[][] = [];
  let total = 0;
  let failure = '';
  try {
    for await (const batch of d.batches) {
      for (const r of batch) if (rows.length < max) rows.push(r.map((c, i) => formatCell(c, d.columns[i])));
      total += batch.length;
    }
  } catch (err) {
    failure = `    (${d.part.part} could not be decoded past row ${total}: ${(err as Error).message})\n`;
  }
  const table = d.columns.length > 0 ? renderTable(d.columns.map((c) => c.name), rows).replace(/^(?=.)/gm, '    | ') : '';
  const more = total > rows.length ? `    … ${total - rows.length} more row(s) in ${d.part.part}\n` : '';
  return `${table}${more}${failure}${d.problem ? `    (${d.part.part} ${d.problem})\n` : ''}`;
}

/** Prints the session's events with the original gaps divided by `speed` (gaps capped at `maxGapMs`). */
export async function replayTimeline(records: AsyncIterable<SessionRecord>, sink: Sink, options: TimelineOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const decoder = options.resultRows !== undefined ? new PartDecoder() : undefined;
  let prev: number | undefined;
  for await (const r of records) {
    if (r.kind === 'damage') {
      await sink(`!! ${describeDamage(r.damage)}\n`);
      continue;
    }
    const e = r.event;
    const closed = await decoder?.push(e, r.openBlob);
    if (e.type !== 'result.data') {
      const t = Date.parse(e.time);
      if (prev !== undefined && options.speed > 0) {
        const gap = Math.min(options.maxGapMs ?? 10_000, Math.max(0, t - prev) / options.speed);
        if (gap > 0) await sleep(gap);
      }
      prev = t;
      await sink(`${e.time}  #${e.seq}  ${e.type.padEnd(19)} ${summarizeEvent(e)}\n`);
    }
    if (closed) await sink(await partRows(closed, options.resultRows ?? 0));
  }
  for (const d of decoder?.finish() ?? []) await sink(await partRows(d, options.resultRows ?? 0));
}

/** Connection options of the replay target. */
export interface ReplayTarget {
  url: string;
  account: string;
  user: string;
  password?: string;
  authenticator?: string;
  token?: string;
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
}

/** Outcome of replaying one statement. */
export interface ReplayDiff {
  seq: number;
  sqlText: string;
  outcome: 'same' | 'different' | 'error' | 'skipped';
  details: string[];
}

/** Turns recorded Snowflake wire bindings ({"1": {type, value}}) into the positional binds the driver takes. */
export function bindsFromRecorded(bindings: unknown): unknown[] | undefined {
  if (!bindings || typeof bindings !== 'object') return undefined;
  const entries = Object.entries(bindings as Record<string, { value?: unknown }>).sort((a, b) => Number(a[0]) - Number(b[0]));
  return entries.map(([, b]) => b?.value ?? null);
}

/** Compares recorded rows (wire strings) with rows fetched as strings (pure). */
export function diffRows(recorded: { columns: string[]; rows: unknown[][] }, target: { columns: string[]; rows: unknown[][] }, maxDetails = 5, skipColumns: ReadonlySet<string> = new Set()): string[] {
  const details: string[] = [];
  const skip = new Set(recorded.columns.map((c, i) => (skipColumns.has(c) ? i : -1)).filter((i) => i >= 0));
  if (recorded.rows.length !== target.rows.length) details.push(`row count: recorded ${recorded.rows.length}, target ${target.rows.length}`);
  const n = Math.min(recorded.rows.length, target.rows.length);
  for (let i = 0; i < n && details.length < maxDetails; i++) {
    const a = recorded.rows[i] ?? [];
    const b = target.rows[i] ?? [];
    for (let c = 0; c < Math.max(a.length, b.length) && details.length < maxDetails; c++) {
      if (skip.has(c)) continue;
      if (!sameCell(a[c], b[c])) details.push(`row ${i + 1} column ${recorded.columns[c] ?? target.columns[c] ?? c + 1}: recorded ${JSON.stringify(a[c])}, target ${JSON.stringify(b[c])}`);
    }
  }
  return details;
}

function sameCell(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  const sa = String(a);
  const sb = String(b);
  if (sa === sb) return true;
  const na = Number(sa);
  const nb = Number(sb);
  if (sa.trim() !== '' && sb.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na === nb;
  const bool = (s: string): string => (s === '1' || s.toLowerCase() === 'true' ? 'true' : s === '0' || s.toLowerCase() === 'false' ? 'false' : s);
  return bool(sa) === bool(sb);
}

