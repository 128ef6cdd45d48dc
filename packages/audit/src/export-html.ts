/**
 * `sessions export -o html`: a self-contained evidence report — verification verdict, identity,
 * damaged ranges, statements (denials with their rule and reason), and the event timeline, written
 * row by row as the session is read. Every recorded value is HTML-escaped.
 */
import { describeDamage } from '@snowtrail/recording';
import { oneLine, outcomeOf } from './render.js';
import { passSession, type SessionPass } from './session-pass.js';
import { formatCell } from './wire-values.js';
import type { Sink } from './sink.js';
import { summarizeEvent } from './summarize.js';
import { withDenial, type SessionExport } from './export-input.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}th{background:#f3f3f3;text-align:left}pre{margin:0;white-space:pre-wrap}.ok{color:#0a6b2d;font-weight:bold}.bad{color:#b00020;font-weight:bold}tr.damaged td{background:#fde8ea;color:#b00020;font-weight:bold}dt{font-weight:bold}dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}';

/** Rows of each statement shown in the report (the JSON export holds them all). */
export const HTML_MAX_ROWS = 100;

/** The Results section: each statement's first rows, readable by column type. */
function resultsSection(x: SessionExport, pass: SessionPass): string {
  const blocks = x.statements.flatMap((st) => {
    const r = pass.results.get(st.seq);
    if (!r) return [];
    const head = r.columns.map((c) => `<th>${esc(c.name)}</th>`).join('');
    const rows = r.rows.map((row) => `<tr>${row.map((c, i) => `<td>${esc(formatCell(c, r.columns[i]))}</td>`).join('')}</tr>`).join('\n');
    const notes = [
      ...(r.total > r.rows.length ? [`${r.total - r.rows.length} more row(s) not shown (the JSON export holds every row)`] : []),
      ...(r.redacted.length > 0 ? [`redacted columns: ${r.redacted.join(', ')}`] : []),
      ...r.problems,
      ...(st.rows !== undefined && r.total < st.rows ? [`DAMAGED: ${st.rows - r.total} of the ${st.rows} row(s) the statement returned are not in the readable recording`] : []),
    ];
    return [`<h3>#${st.seq} ${esc(oneLine(st.sqlText))} — ${r.total} row(s)</h3>\n<table><tr>${head}</tr>\n${rows}\n</table>${notes.map((n) => `<p>${esc(n)}</p>`).join('')}`];
  });
  return blocks.length === 0 ? '' : `<h2>Results</h2>\n${blocks.join('\n')}\n`;
}

/** Writes the HTML report to the sink. */
export async function exportHtml(x: SessionExport, sink: Sink): Promise<void> {
  const pass = await passSession(x.records(), { results: true, maxRows: HTML_MAX_ROWS });
  const s = x.summary;
  const id = s.identity ?? {};
  const v = x.verification;
  const verdict = v.ok
    ? `<p class="ok">INTACT — ${v.digests} signed digest(s), ${v.segments} segment(s), ${v.events} event(s); hash chain unbroken; signed by key(s) ${esc(v.keyIds.join(', '))}.</p>`
    : `<p class="bad">NOT INTACT — ${v.problems.length} problem(s):</p><ul>${v.problems.map((p) => `<li><code>${esc(p.kind)}</code> ${esc(p.message)}</li>`).join('')}</ul>`;
  const rebuilt = x.rebuilt ? '<p class="bad">No readable index part: the summary and statements below were rebuilt from the readable segments.</p>\n' : '';
  const damaged =
    pass.damaged.length === 0 ? rebuilt : `<h2>Damaged ranges</h2>\n<ul>${pass.damaged.map((d) => `<li class="bad">${esc(describeDamage(d))}</li>`).join('')}</ul>\n<p>Everything else the recording holds is shown below.</p>\n${rebuilt}`;
  await sink(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>snowtrail session ${esc(s.sessionId)}</title>
<style>${STYLE}</style>
</head><body>
<h1>Session recording ${esc(s.sessionId)}</h1>
<h2>Verification</h2>
${verdict}
${damaged}<h2>Identity</h2>
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
<table><tr><th>Time</th><th>Outcome</th><th>Rule</th><th>Reason</th><th>Rows</th><th>Query id</th><th>Writes</th><th>Reads</th><th>Statement</th></tr>
`);
  for (const st of x.statements) {
    const d = withDenial(st, pass.denials);
    await sink(`<tr><td>${esc(d.time)}</td><td>${esc(outcomeOf(st, pass))}</td><td>${esc(d.rule ?? '')}</td><td>${esc(d.reason ?? '')}</td><td>${esc(d.rows)}</td><td>${esc(d.queryId)}</td><td>${esc((d.writes ?? []).join(', '))}</td><td>${esc((d.reads ?? []).join(', '))}</td><td><pre>${esc(d.sqlText)}</pre></td></tr>\n`);
  }
  await sink(`</table>
${resultsSection(x, pass)}<h2>Event timeline</h2>
<table><tr><th>Seq</th><th>Time</th><th>Type</th><th>prevHash</th><th>Details</th></tr>
`);
  for await (const r of x.records()) {
    if (r.kind === 'damage') {
      await sink(`<tr class="damaged"><td colspan="5">${esc(describeDamage(r.damage))}</td></tr>\n`);
      continue;
    }
    const e = r.event;
    if (e.type === 'result.data') continue;
    await sink(`<tr><td>${e.seq}</td><td>${esc(e.time)}</td><td>${esc(e.type)}</td><td><code>${esc(e.prevHash.slice(0, 16))}…</code></td><td>${esc(summarizeEvent(e))}</td></tr>\n`);
  }
  await sink(`</table>
<p>Generated ${esc(x.generatedAt)} by snowtrail sessions export. Result payload bytes are in the recording's segments (see docs/recording-format.md).</p>
</body></html>
`);
}
