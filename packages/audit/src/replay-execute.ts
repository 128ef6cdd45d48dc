/**
 * `sessions replay --execute`: re-runs the recorded statements against a target Snowflake (or the
 * emulator) through snowflake-sdk and diffs the rows with the recorded ones. The recorded rows of
 * the statements to re-run are decoded as the session streams by (one pass); snowflake-sdk is
 * loaded only here, so the recording package does not depend on it.
 */
import type { RecordingEvent, SessionRecord } from '@snowtrail/recording';
import { bindsFromRecorded, diffRows, READ_ONLY_CLASSES, type ReplayDiff, type ReplayTarget } from './replay.js';
import { collectResultParts, loadPartBlob, rowsOfStatement, type RecordedPart } from './results.js';

/** The queries of a session and the result parts of those that may be re-run (one streaming pass). */
async function gather(records: AsyncIterable<SessionRecord>, includeWrites: boolean): Promise<{ events: RecordingEvent[]; parts: RecordedPart[] }> {
  const events: RecordingEvent[] = [];
  const resultEvents: RecordingEvent[] = [];
  const wanted = new Set<string>();
  const blobs = new Map<string, () => Promise<AsyncIterable<Uint8Array> | undefined>>();
  for await (const r of records) {
    if (r.kind !== 'event') continue;
    const e = r.event;
    if (e.type === 'query' || e.type === 'query.end') events.push(e);
    if (e.type === 'query') {
      const classes = ((e.data.statements as { class: string }[] | undefined) ?? []).map((s) => s.class);
      if (e.data.decision !== 'deny' && (includeWrites || classes.every((c) => READ_ONLY_CLASSES.has(c)))) {
        wanted.add(`s:${e.seq}`);
        wanted.add(`r:${String(e.data.requestId)}`);
      }
    } else if (e.type === 'result' && (wanted.has(`s:${String(e.data.querySeq)}`) || wanted.has(`r:${String(e.data.requestId)}`))) {
      wanted.add(`p:${String(e.data.partId)}`);
      resultEvents.push(e);
      if (r.openBlob) blobs.set(String(e.data.partId), r.openBlob);
    } else if ((e.type === 'result.data' || e.type === 'result.end' || e.type === 'result.abort') && wanted.has(`p:${String(e.data.partId)}`)) resultEvents.push(e);
  }
  const parts: RecordedPart[] = [];
  for (const p of collectResultParts(resultEvents)) parts.push(p.blob ? await loadPartBlob(p, blobs.get(p.partId)) : p);
  return { events, parts };
}

/** Re-runs the recorded statements against the target and diffs the results. */
export async function replayExecute(
  records: AsyncIterable<SessionRecord>,
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
  const { events, parts } = await gather(records, Boolean(options.includeWrites));
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
