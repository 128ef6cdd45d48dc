/**
 * `sessions replay`: prints the timeline paced like the original (`--speed N`), and with
 * `--execute` re-runs the recorded statements against a target Snowflake (or the emulator) through
 * snowflake-sdk and diffs the rows with the recorded ones.
 */
import type { RecordingEvent } from './format.js';
import { summarizeEvent } from './export.js';
import { collectResultParts, rowsOfStatement, type DecodedRows } from './results.js';

/** Classes that only read: replayed by default (writes need --include-writes). */
export const READ_ONLY_CLASSES = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'LIST']);

/** Prints events with the original gaps divided by `speed` (gaps capped at `maxGapMs`). */
export async function replayTimeline(
  events: RecordingEvent[],
  options: { speed: number; write: (line: string) => void; sleep?: (ms: number) => Promise<void>; maxGapMs?: number },
): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let prev: number | undefined;
  for (const e of events) {
    if (e.type === 'result.data') continue;
    const t = Date.parse(e.time);
    if (prev !== undefined && options.speed > 0) {
      const gap = Math.min(options.maxGapMs ?? 10_000, Math.max(0, t - prev) / options.speed);
      if (gap > 0) await sleep(gap);
    }
    prev = t;
    options.write(`${e.time}  #${e.seq}  ${e.type.padEnd(19)} ${summarizeEvent(e)}\n`);
  }
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
export function diffRows(recorded: DecodedRows, target: { columns: string[]; rows: unknown[][] }, maxDetails = 5, skipColumns: ReadonlySet<string> = new Set()): string[] {
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

/** Re-runs the recorded statements against the target and diffs the results. */
export async function replayExecute(
  events: RecordingEvent[],
  target: ReplayTarget,
  options: { includeWrites?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ReplayDiff[]> {
  const sdk = (await import('snowflake-sdk')).default;
  sdk.configure({ logLevel: 'OFF' } as Parameters<typeof sdk.configure>[0]);
  const connection = sdk.createConnection({
    account: target.account,
    username: target.user,
    accessUrl: target.url,
    ...(target.password ? { password: target.password } : {}),
    ...(target.authenticator ? { authenticator: target.authenticator } : {}),
    ...(target.token ? { token: target.token } : {}),
    ...(target.role ? { role: target.role } : {}),
    ...(target.warehouse ? { warehouse: target.warehouse } : {}),
    ...(target.database ? { database: target.database } : {}),
    ...(target.schema ? { schema: target.schema } : {}),
  } as Parameters<typeof sdk.createConnection>[0]);
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
  const parts = collectResultParts(events);
  const queries = events.filter((e) => e.type === 'query');
  const ends = new Map(events.filter((e) => e.type === 'query.end').map((e) => [String(e.data.requestId), e]));
  const out: ReplayDiff[] = [];
  try {
    let done = 0;
    for (const q of queries) {
      options.onProgress?.(++done, queries.length);
      const d = q.data as { sqlText: string; bindings?: unknown; statements?: { class: string }[]; requestId?: string; decision?: string };
      const classes = (d.statements ?? []).map((s) => s.class);
      const end = d.requestId ? ends.get(d.requestId) : undefined;
      if (d.decision === 'deny' || end?.data.status !== 'success') {
        out.push({ seq: q.seq, sqlText: d.sqlText, outcome: 'skipped', details: [`not replayed: recorded status ${String(end?.data.status ?? 'unknown')}`] });
        continue;
      }
      if (!options.includeWrites && !classes.every((c) => READ_ONLY_CLASSES.has(c))) {
        out.push({ seq: q.seq, sqlText: d.sqlText, outcome: 'skipped', details: [`not replayed: writes (${classes.join(', ')}); use --include-writes`] });
        continue;
      }
      const recorded = rowsOfStatement(parts, { querySeq: q.seq, ...(d.requestId ? { requestId: d.requestId } : {}) });
      try {
        const binds = bindsFromRecorded(d.bindings);
        const got = await new Promise<{ columns: string[]; rows: unknown[][] }>((resolve, reject) =>
          connection.execute({
            sqlText: d.sqlText,
            ...(binds ? { binds: binds as never } : {}),
            fetchAsString: ['String', 'Boolean', 'Number', 'Date', 'JSON', 'Buffer'] as never,
            complete: (err, stmt, rows) => {
              if (err) return reject(err);
              const columns = (stmt.getColumns() ?? []).map((c) => c.getName());
              resolve({ columns, rows: (rows ?? []).map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) });
            },
          }),
        );
        if (!recorded) {
          out.push({ seq: q.seq, sqlText: d.sqlText, outcome: 'skipped', details: ['no recorded result to compare'] });
          continue;
        }
        // Redacted columns hold [REDACTED] in the recording: they cannot be compared, and we say so.
        const redacted = new Set(parts.filter((p) => p.querySeq === q.seq && p.redaction).flatMap((p) => p.redaction!.columns));
        const details = diffRows(recorded, got, 5, redacted);
        const note = redacted.size > 0 ? [`not compared (redacted in the recording): ${[...redacted].join(', ')}`] : [];
        out.push({ seq: q.seq, sqlText: d.sqlText, outcome: details.length === 0 ? 'same' : 'different', details: [...details, ...note] });
      } catch (err) {
        out.push({ seq: q.seq, sqlText: d.sqlText, outcome: 'error', details: [(err as Error).message] });
      }
    }
  } finally {
    await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }
  return out;
}
