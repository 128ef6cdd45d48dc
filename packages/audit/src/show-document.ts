/** `sessions show -o json|yaml`: the session as one object (pure). */
import type { DamagedRange, IndexStatement, SessionSummary } from '@snowtrail/recording';
import { withDenial } from './export-input.js';
import type { Denial, SessionPass } from './session-pass.js';
import { formatCell, type ColumnType } from './wire-values.js';

/** What `show` prints for machines. */
export interface ShowDocument {
  indexRebuilt?: true;
  summary: SessionSummary;
  statements: (IndexStatement & Denial)[];
  damaged: DamagedRange[];
  results?: { seq: number; columns: ColumnType[]; totalRows: number; rows: (string | null)[][]; redactedColumns: string[]; problems: string[] }[];
}

/** Builds the document: statements with their denial, damaged ranges, and (when kept) readable rows. */
export function showDocument(listing: { summary: SessionSummary; statements: IndexStatement[]; rebuilt?: boolean }, pass: SessionPass, options: { results?: boolean } = {}): ShowDocument {
  const results = options.results
    ? listing.statements.flatMap((st) => {
        const x = pass.results.get(st.seq);
        if (!x) return [];
        const rows = x.rows.map((row) => row.map((c, i) => (c === null ? null : formatCell(c, x.columns[i]))));
        return [{ seq: st.seq, columns: x.columns, totalRows: x.total, rows, redactedColumns: x.redacted, problems: x.problems }];
      })
    : undefined;
  return {
    ...(listing.rebuilt ? { indexRebuilt: true as const } : {}),
    summary: listing.summary,
    statements: listing.statements.map((st) => withDenial(st, pass.denials)),
    damaged: pass.damaged,
    ...(results ? { results } : {}),
  };
}
