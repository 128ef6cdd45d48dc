/** Text rendering for `snowtrail sessions` (pure): tables, timelines, trace hits. */
import { describeDamage, type DamagedRange, type IndexStatement, type SessionSummary, type TraceHit, type VerifyReport } from '@snowtrail/recording';
import type { SessionPass } from './session-pass.js';
import { formatCell } from './wire-values.js';

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

/** The `list` table; `wide` adds policy, Snowflake user and role, client, last event and event count. */
export function renderSessionList(items: { summary: SessionSummary; statements: IndexStatement[] }[], options: { wide?: boolean } = {}): string {
  const base = (s: SessionSummary): string[] => [
    s.sessionId,
    s.startedAt,
    s.kind === 'auth.failure' ? 'auth-failure' : s.status,
    String(s.identity?.namespace ?? '-'),
    String(s.identity?.podName ?? '-'),
    String(s.identity?.serviceAccount ?? '-'),
    String(s.statementCount),
  ];
  const header = ['SESSION', 'STARTED', 'STATUS', 'NAMESPACE', 'POD', 'SERVICE ACCOUNT', 'STATEMENTS'];
  if (!options.wide) return renderTable(header, items.map(({ summary }) => base(summary)));
  return renderTable(
    [...header, 'EVENTS', 'LAST EVENT', 'POLICY', 'SNOWFLAKE USER', 'ROLE', 'CLIENT'],
    items.map(({ summary: s }) => [
      ...base(s),
      String(s.eventCount),
      s.lastEventAt,
      s.policy ? `${s.policy.name}@${s.policy.generation}` : '-',
      String(s.snowflake?.user ?? '-'),
      String(s.snowflake?.role ?? '-'),
      `${String(s.client?.app ?? '-')} ${String(s.client?.version ?? '')}`.trim(),
    ]),
  );
}

function durationMs(s: IndexStatement): string {
  if (!s.time || !s.endTime) return '-';
  return `${Date.parse(s.endTime) - Date.parse(s.time)} ms`;
}

/** Whether an event seq falls in a damaged range (pure). */
export function isInDamage(seq: number, damaged: readonly DamagedRange[]): boolean {
  return damaged.some((d) => seq > d.afterSeq && (d.beforeSeq === undefined || seq < d.beforeSeq));
}

/** The outcome cell of a statement: status, error code, denial rule, damage. */
export function outcomeOf(s: IndexStatement, pass: Pick<SessionPass, 'denials' | 'damaged'>): string {
  const denial = pass.denials.get(s.seq);
  const base = s.decision === 'deny' ? `denied${denial?.rule ? ` by ${denial.rule}` : ''}` : (s.status ?? 'pending') + (s.errorCode ? ` ${s.errorCode}` : '');
  return isInDamage(s.seq, pass.damaged) ? `${base} [DAMAGED]` : base;
}

/** The `show` view: identity header, damaged ranges, the statement timeline, denials, other events. */
export function renderSessionShow(summary: SessionSummary, statements: IndexStatement[], pass: SessionPass, options: { wide?: boolean; rebuilt?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`session   ${summary.sessionId}  (${summary.status}${summary.endReason ? `: ${summary.endReason}` : ''})`);
  lines.push(`identity  ${who(summary.identity)}  subject ${String(summary.identity?.subject ?? '-')}  pod uid ${String(summary.identity?.podUid ?? '-')}  node ${String(summary.identity?.nodeName ?? '-')}`);
  if (summary.snowflake) lines.push(`snowflake account ${String(summary.snowflake.account ?? '-')}  user ${String(summary.snowflake.user ?? '-')}  role ${String(summary.snowflake.role ?? '-')}  warehouse ${String(summary.snowflake.warehouse ?? '-')}`);
  if (summary.policy) lines.push(`policy    ${summary.policy.name} (generation ${summary.policy.generation})`);
  if (summary.client) lines.push(`client    ${String(summary.client.app ?? '-')} ${String(summary.client.version ?? '')} from ${String(summary.client.address ?? '-')}`);
  lines.push(`time      ${summary.startedAt} → ${summary.lastEventAt}   events ${summary.eventCount}  statements ${summary.statementCount}`);
  if (options.rebuilt) lines.push('!! no readable index part: summary and statements rebuilt from the readable segments');
  for (const d of pass.damaged) lines.push(`!! ${describeDamage(d)}`);
  if (pass.damaged.length > 0) lines.push('!! the rest of the session is shown; `snowtrail sessions verify` reports exactly what is wrong');
  lines.push('');
  const header = ['TIME', 'OUTCOME', 'ROWS', 'DURATION', 'QUERY ID', 'STATEMENT'];
  const row = (s: IndexStatement): string[] => [s.time ?? '-', outcomeOf(s, pass), s.rows === undefined ? '-' : String(s.rows), durationMs(s), s.queryId ?? '-', oneLine(s.sqlText)];
  if (options.wide) {
    lines.push(
      renderTable(
        ['SEQ', ...header.slice(0, 5), 'CLASSES', 'WRITES', 'READS', 'RULE', 'REASON', 'STATEMENT'],
        statements.map((s) => {
          const d = pass.denials.get(s.seq);
          return [String(s.seq), ...row(s).slice(0, 5), (s.classes ?? []).join(','), (s.writes ?? []).join(','), (s.reads ?? []).join(','), d?.rule ?? '-', d?.reason ?? '-', oneLine(s.sqlText)];
        }),
      ),
    );
  } else lines.push(renderTable(header, statements.map(row)));
  const denied = statements.filter((s) => s.decision === 'deny');
  if (denied.length > 0) {
    lines.push('denied statements:');
    for (const s of denied) {
      const d = pass.denials.get(s.seq);
      lines.push(`  #${s.seq}  rule ${d?.rule ?? '(not recorded)'}  reason ${d?.reason ?? '(not recorded)'}  ${oneLine(s.sqlText, 80)}`);
    }
  }
  if (pass.notable.length > 0) {
    lines.push('other events:');
    for (const e of pass.notable) lines.push(`  ${e.time}  ${e.type}  ${JSON.stringify(e.data)}`);
  }
  return lines.join('\n') + '\n';
}

/** The rows of each statement (`show --results`), cells made readable by their column types. */
export function renderStatementResults(statements: IndexStatement[], pass: SessionPass): string {
  const out: string[] = [];
  for (const st of statements) {
    const r = pass.results.get(st.seq);
    if (!r) continue;
    out.push(`\n#${st.seq} ${oneLine(st.sqlText)} — ${r.total} row(s)${r.redacted.length > 0 ? `, redacted columns: ${r.redacted.join(', ')}` : ''}\n`);
    if (r.columns.length > 0 || r.rows.length > 0) {
      const names = r.columns.length > 0 ? r.columns.map((c) => c.name) : (r.rows[0] ?? []).map((_c, i) => `COLUMN${i + 1}`);
      out.push(renderTable(names, r.rows.map((row) => row.map((c, i) => formatCell(c, r.columns[i])))));
    }
    if (r.total > r.rows.length) out.push(`… ${r.total - r.rows.length} more row(s)\n`);
    for (const p of r.problems) out.push(`  (${p})\n`);
    if (st.rows !== undefined && r.total < st.rows) out.push(`  (DAMAGED: ${st.rows - r.total} of the ${st.rows} row(s) the statement returned are not in the readable recording)\n`);
  }
  return out.join('');
}

/** The `trace` table; `wide` adds the statement's seq, query id and classes. */
export function renderTrace(hits: TraceHit[], options: { wide?: boolean } = {}): string {
  if (options.wide) {
    return renderTable(
      ['TIME', 'RELATION', 'SESSION', 'SEQ', 'QUERY ID', 'IDENTITY', 'CLASSES', 'ROWS', 'STATUS', 'STATEMENT'],
      hits.map((h) => [h.statement.time ?? '-', h.relation, h.sessionId, String(h.statement.seq), h.statement.queryId ?? '-', who(h.identity), (h.statement.classes ?? []).join(','), h.statement.rows === undefined ? '-' : String(h.statement.rows), h.statement.status ?? '-', oneLine(h.statement.sqlText, 200)]),
    );
  }
  return renderTable(
    ['TIME', 'RELATION', 'SESSION', 'IDENTITY', 'ROWS', 'STATUS', 'STATEMENT'],
    hits.map((h) => [h.statement.time ?? '-', h.relation, h.sessionId, who(h.identity), h.statement.rows === undefined ? '-' : String(h.statement.rows), h.statement.status ?? '-', oneLine(h.statement.sqlText, 200)]),
  );
}

/** The `verify` report; `verifiedEarlier` marks a verdict taken from the verify cache (unchanged since then). */
export function renderVerify(report: VerifyReport, verifiedEarlier?: string): string {
  const cached = verifiedEarlier ? `; unchanged since verified at ${verifiedEarlier}` : '';
  if (report.ok) return `OK     ${report.sessionId}  ${report.digests} digest(s), ${report.segments} segment(s), ${report.events} event(s), status ${report.status ?? '?'}, signed by ${report.keyIds.join(', ')}${cached}\n`;
  return [`FAILED ${report.sessionId}  ${report.problems.length} problem(s):`, ...report.problems.map((p) => `  - [${p.kind}] ${p.message}`)].join('\n') + '\n';
}
