/**
 * `sessions export -o csv`: one row per statement, written by csv-stringify with formula escaping —
 * statement text is chosen by whoever ran the statement, so a cell starting with =, +, -, @, tab or
 * CR is prefixed with ' and a spreadsheet shows it as text instead of running it.
 */
import { stringify } from 'csv-stringify/sync';
import { passSession } from './session-pass.js';
import type { Sink } from './sink.js';
import { withDenial, type SessionExport } from './export-input.js';

/** Column names of the CSV export. */
export const CSV_HEADER = ['session_id', 'seq', 'time', 'end_time', 'namespace', 'pod', 'service_account', 'decision', 'rule', 'reason', 'status', 'error_code', 'rows', 'query_id', 'classes', 'reads', 'writes', 'sql'];

function cell(v: unknown): string {
  return v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
}

/** Encodes rows as CSV (CRLF, quoted where needed, formulas escaped). */
export function csvRows(rows: unknown[][]): string {
  return stringify(
    rows.map((r) => r.map(cell)),
    // A lone CR or LF inside a cell is quoted too: some spreadsheets end a row at a bare CR, which
    // would start a new row with the text after it (and so a formula) outside any quotes.
    { escape_formulas: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ },
  );
}

/** Writes the CSV export to the sink, a batch of statements at a time. */
export async function exportCsv(x: SessionExport, sink: Sink): Promise<void> {
  const pass = await passSession(x.records());
  const id = x.summary.identity ?? {};
  await sink(csvRows([CSV_HEADER]));
  for (let i = 0; i < x.statements.length; i += 500) {
    const batch = x.statements.slice(i, i + 500).map((st) => {
      const s = withDenial(st, pass.denials);
      return [x.summary.sessionId, s.seq, s.time, s.endTime, id.namespace, id.podName, id.serviceAccount, s.decision, s.rule, s.reason, s.status, s.errorCode, s.rows, s.queryId, s.classes, s.reads, s.writes, s.sqlText];
    });
    await sink(csvRows(batch));
  }
}
