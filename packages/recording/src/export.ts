/** `sessions export`: JSON, CSV (statements) and a self-contained HTML evidence report (pure). */
import type { IndexStatement, RecordingEvent, SessionSummary } from './format.js';
import type { VerifyReport } from './verifier.js';

/** Everything an export is made of. */
export interface SessionExport {
  summary: SessionSummary;
  statements: IndexStatement[];
  events: RecordingEvent[];
  verification: VerifyReport;
  generatedAt: string;
}

/** JSON export: summary, statements, events (result payloads stay base64), verification. */
export function exportJson(x: SessionExport): string {
  return JSON.stringify(x, null, 2) + '\n';
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV export: one row per statement. */
export function exportCsv(x: SessionExport): string {
  const header = ['session_id', 'seq', 'time', 'end_time', 'namespace', 'pod', 'service_account', 'decision', 'status', 'error_code', 'rows', 'query_id', 'classes', 'reads', 'writes', 'sql'];
  const id = x.summary.identity ?? {};
  const rows = x.statements.map((s) => [x.summary.sessionId, s.seq, s.time, s.endTime, id.namespace, id.podName, id.serviceAccount, s.decision, s.status, s.errorCode, s.rows, s.queryId, s.classes, s.reads, s.writes, s.sqlText]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** HTML evidence report: identity, verification verdict, statements and timeline. */
export function exportHtml(x: SessionExport): string {
  const s = x.summary;
  const id = s.identity ?? {};
  const v = x.verification;
  const verdict = v.ok
    ? `<p class="ok">INTACT — ${v.digests} signed digest(s), ${v.segments} segment(s), ${v.events} event(s); hash chain unbroken; signed by key(s) ${esc(v.keyIds.join(', '))}.</p>`
    : `<p class="bad">NOT INTACT — ${v.problems.length} problem(s):</p><ul>${v.problems.map((p) => `<li><code>${esc(p.kind)}</code> ${esc(p.message)}</li>`).join('')}</ul>`;
  const stmtRows = x.statements
    .map((st) => `<tr><td>${esc(st.time)}</td><td>${esc(st.decision === 'deny' ? 'denied' : st.status)}</td><td>${esc(st.rows)}</td><td>${esc(st.queryId)}</td><td>${esc((st.writes ?? []).join(', '))}</td><td>${esc((st.reads ?? []).join(', '))}</td><td><pre>${esc(st.sqlText)}</pre></td></tr>`)
    .join('\n');
  const timeline = x.events
    .filter((e) => e.type !== 'result.data')
    .map((e) => `<tr><td>${e.seq}</td><td>${esc(e.time)}</td><td>${esc(e.type)}</td><td><code>${esc(e.prevHash.slice(0, 16))}…</code></td><td>${esc(summarizeEvent(e))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>snowtrail session ${esc(s.sessionId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}th{background:#f3f3f3;text-align:left}pre{margin:0;white-space:pre-wrap}.ok{color:#0a6b2d;font-weight:bold}.bad{color:#b00020;font-weight:bold}dt{font-weight:bold}dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}</style>
</head><body>
<h1>Session recording ${esc(s.sessionId)}</h1>
<h2>Verification</h2>
${verdict}
<h2>Identity</h2>
<dl>
<dt>Subject</dt><dd>${esc(id.subject)}</dd>
<dt>Namespace / pod</dt><dd>${esc(id.namespace)} / ${esc(id.podName)} (uid ${esc(id.podUid)})</dd>
<dt>Service account</dt><dd>${esc(id.serviceAccount)}</dd>
<dt>Node</dt><dd>${esc(id.nodeName)}</dd>
<dt>Policy</dt><dd>${esc(s.policy?.name)} (generation ${esc(s.policy?.generation)})</dd>
<dt>Snowflake</dt><dd>account ${esc(s.snowflake?.account)}, user ${esc(s.snowflake?.user)}, role ${esc(s.snowflake?.role)}, warehouse ${esc(s.snowflake?.warehouse)}</dd>
<dt>Client</dt><dd>${esc(s.client?.app)} ${esc(s.client?.version)} from ${esc(s.client?.address)}</dd>
<dt>Time</dt><dd>${esc(s.startedAt)} → ${esc(s.lastEventAt)} (${esc(s.status)}${s.endReason ? `: ${esc(s.endReason)}` : ''})</dd>
</dl>
<h2>Statements (${x.statements.length})</h2>
<table><tr><th>Time</th><th>Outcome</th><th>Rows</th><th>Query id</th><th>Writes</th><th>Reads</th><th>Statement</th></tr>
${stmtRows}
</table>
<h2>Event timeline</h2>
<table><tr><th>Seq</th><th>Time</th><th>Type</th><th>prevHash</th><th>Details</th></tr>
${timeline}
</table>
<p>Generated ${esc(x.generatedAt)} by snowtrail sessions export. Result payload bytes are in the recording's segments (see docs/recording-format.md).</p>
</body></html>
`;
}

/** A one-line description of an event for timelines (no payload bytes). */
export function summarizeEvent(e: RecordingEvent): string {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'query':
    case 'query.denied':
      return `${String(d.requestId ?? '')} ${String(d.decision ?? '')} ${String(d.sqlText ?? '').slice(0, 200)}`;
    case 'query.end':
      return `${String(d.requestId ?? '')} ${String(d.status ?? '')} rows=${String(d.rows ?? '-')} queryId=${String(d.queryId ?? '-')}`;
    case 'result':
      return `${String(d.part)} ${String(d.format)} ${d.streamed ? 'streamed' : `${String(d.bytes)} bytes sha256=${String(d.sha256 ?? '').slice(0, 16)}`}${d.redaction ? ' redacted' : ''}`;
    case 'result.end':
      return `${String(d.partId)} ${String(d.clientBytes)} bytes sha256=${String(d.clientSha256 ?? '').slice(0, 16)}`;
    default: {
      const { base64: _b, ...rest } = d;
      return JSON.stringify(rest).slice(0, 300);
    }
  }
}
