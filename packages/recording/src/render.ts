/** Text rendering for `snowtrail sessions` (pure): tables, timelines, trace hits. */
import type { IndexStatement, RecordingEvent, SessionSummary } from './format.js';
import type { TraceHit } from './reader.js';
import type { VerifyReport } from './verifier.js';

/** Renders rows as an aligned text table. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.min(80, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => {
        const w = widths[i]!;
        const cell = c.length > w ? `${c.slice(0, w - 1)}…` : c;
        return i === r.length - 1 ? cell : cell.padEnd(w);
      })
      .join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n') + '\n';
}

/** One line of SQL for tables. */
export function oneLine(sql: string | undefined, max = 100): string {
  const s = (sql ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function who(identity: Record<string, unknown> | undefined): string {
  if (!identity) return '-';
  return `${String(identity.namespace ?? '?')}/${String(identity.podName ?? '?')} (sa ${String(identity.serviceAccount ?? '?')})`;
}

/** The `list` table. */
export function renderSessionList(items: { summary: SessionSummary; statements: IndexStatement[] }[]): string {
  return renderTable(
    ['SESSION', 'STARTED', 'STATUS', 'NAMESPACE', 'POD', 'SERVICE ACCOUNT', 'STATEMENTS'],
    items.map(({ summary: s }) => [
      s.sessionId,
      s.startedAt,
      s.kind === 'auth.failure' ? 'auth-failure' : s.status,
      String(s.identity?.namespace ?? '-'),
      String(s.identity?.podName ?? '-'),
      String(s.identity?.serviceAccount ?? '-'),
      String(s.statementCount),
    ]),
  );
}

function durationMs(s: IndexStatement): string {
  if (!s.time || !s.endTime) return '-';
  return `${Date.parse(s.endTime) - Date.parse(s.time)} ms`;
}

/** The `show` view: identity header and the statement timeline. */
export function renderSessionShow(summary: SessionSummary, statements: IndexStatement[], events: RecordingEvent[]): string {
  const lines: string[] = [];
  lines.push(`session   ${summary.sessionId}  (${summary.status}${summary.endReason ? `: ${summary.endReason}` : ''})`);
  lines.push(`identity  ${who(summary.identity)}  subject ${String(summary.identity?.subject ?? '-')}  pod uid ${String(summary.identity?.podUid ?? '-')}  node ${String(summary.identity?.nodeName ?? '-')}`);
  if (summary.snowflake) lines.push(`snowflake account ${String(summary.snowflake.account ?? '-')}  user ${String(summary.snowflake.user ?? '-')}  role ${String(summary.snowflake.role ?? '-')}  warehouse ${String(summary.snowflake.warehouse ?? '-')}`);
  if (summary.policy) lines.push(`policy    ${summary.policy.name} (generation ${summary.policy.generation})`);
  if (summary.client) lines.push(`client    ${String(summary.client.app ?? '-')} ${String(summary.client.version ?? '')} from ${String(summary.client.address ?? '-')}`);
  lines.push(`time      ${summary.startedAt} → ${summary.lastEventAt}   events ${summary.eventCount}  statements ${summary.statementCount}`);
  lines.push('');
  lines.push(
    renderTable(
      ['TIME', 'OUTCOME', 'ROWS', 'DURATION', 'QUERY ID', 'STATEMENT'],
      statements.map((s) => [s.time ?? '-', s.decision === 'deny' ? 'denied' : (s.status ?? 'pending') + (s.errorCode ? ` ${s.errorCode}` : ''), s.rows === undefined ? '-' : String(s.rows), durationMs(s), s.queryId ?? '-', oneLine(s.sqlText)]),
    ),
  );
  const other = events.filter((e) => ['auth.failure', 'note', 'gap', 'session.interrupted', 'session.end', 'result.abort'].includes(e.type));
  if (other.length > 0) {
    lines.push('other events:');
    for (const e of other) lines.push(`  ${e.time}  ${e.type}  ${JSON.stringify(e.data)}`);
  }
  return lines.join('\n') + '\n';
}

/** The `trace` table. */
export function renderTrace(hits: TraceHit[]): string {
  return renderTable(
    ['TIME', 'RELATION', 'SESSION', 'IDENTITY', 'ROWS', 'STATUS', 'STATEMENT'],
    hits.map((h) => [h.statement.time ?? '-', h.relation, h.sessionId, who(h.identity), h.statement.rows === undefined ? '-' : String(h.statement.rows), h.statement.status ?? '-', oneLine(h.statement.sqlText, 200)]),
  );
}

/** The `verify` report. */
export function renderVerify(report: VerifyReport): string {
  if (report.ok) return `OK     ${report.sessionId}  ${report.digests} digest(s), ${report.segments} segment(s), ${report.events} event(s), status ${report.status ?? '?'}, signed by ${report.keyIds.join(', ')}\n`;
  return [`FAILED ${report.sessionId}  ${report.problems.length} problem(s):`, ...report.problems.map((p) => `  - [${p.kind}] ${p.message}`)].join('\n') + '\n';
}
