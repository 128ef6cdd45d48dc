import { describe, expect, it } from '@jest/globals';
import type { RecordingEvent, SessionRecord, SessionSummary, VerifyReport } from '@snowtrail/recording';
import { exportHtml } from './export-html.js';
import { exportJson } from './export-json.js';
import { replayTimeline } from './replay.js';
import { memorySink } from './sink.js';

const SID = '20261126T100000Z-0123456789ab';
const summary: SessionSummary = { sessionId: SID, kind: 'session', startedAt: '2026-11-26T10:00:00.000Z', lastEventAt: '2026-11-26T10:01:00.000Z', status: 'ended', identity: { namespace: 'ns', podName: '<b>pod</b>' }, statementCount: 2, eventCount: 8 };
const verification: VerifyReport = { sessionId: SID, ok: false, problems: [{ kind: 'segment_missing', message: 'segment 000002: <gone>' }], digests: 1, segments: 1, events: 8, keyIds: ['k'] };
const XSS = '</pre><script>alert(1)</script>';

function records(): SessionRecord[] {
  let seq = 0;
  const ev = (type: RecordingEvent['type'], data: Record<string, unknown>): SessionRecord => ({ kind: 'event', event: { version: 1, sessionId: SID, seq: seq++, time: `2026-11-26T10:00:0${seq}.000Z`, type, prevHash: '0'.repeat(64), data } });
  const answer = { data: { rowtype: [{ name: 'NOTE', type: 'text' }, { name: 'AT', type: 'date' }], rowset: [[XSS, '19723']] } };
  return [
    ev('query', { requestId: 'r1', sqlText: `select note from t -- ${XSS}`, statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' }),
    ev('result', { partId: 'p1', querySeq: 0, requestId: 'r1', part: 'inline', format: 'json', compression: 'none', streamed: false, base64: Buffer.from(JSON.stringify(answer)).toString('base64') }),
    ev('query.end', { requestId: 'r1', status: 'success', rows: 1, querySeq: 0 }),
    { kind: 'damage', damage: { segments: [2], afterSeq: 2, beforeSeq: 5, reasons: ['segment 000002 missing from the store'] } },
    ...((): SessionRecord[] => {
      seq = 5;
      return [ev('query.denied', { requestId: 'r2', sqlText: `drop table t ${XSS}`, statements: [{ class: 'DROP', reads: [], writes: ['T'] }], decision: 'deny', rule: `rule-${XSS}`, reason: 'statement_denied' }), ev('session.end', { reason: 'client_logout' })];
    })(),
  ];
}

const input = {
  summary,
  statements: [
    { seq: 0, sqlText: `select note from t -- ${XSS}`, decision: 'allow' as const, status: 'success', rows: 1 },
    { seq: 5, sqlText: `drop table t ${XSS}`, decision: 'deny' as const, status: 'denied' },
  ],
  verification,
  generatedAt: '2026-12-01T00:00:00.000Z',
  records: async function* (): AsyncGenerator<SessionRecord> {
    yield* records();
  },
};

describe('exports and replay over a streamed session', () => {
  it('HTML escapes every recorded value (statement text, rule, result cells, identity, problems)', async () => {
    const m = memorySink();
    await exportHtml(input, m.sink);
    const html = m.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>pod</b>');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`<td>denied by rule-&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td><td>rule-&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td><td>statement_denied</td>`);
    expect(html).toContain('<td>2024-01-01</td>');
    expect(html).toContain('<tr class="damaged"><td colspan="5">DAMAGED: events seq 3–4 cannot be shown — segment 000002 missing from the store</td></tr>');
  });

  it('JSON export is one valid document: statements with their denial, events, decoded rows, damaged ranges', async () => {
    const m = memorySink();
    await exportJson(input, m.sink);
    const doc = JSON.parse(m.text()) as { statements: { seq: number; rule?: string; reason?: string }[]; events: { seq: number }[]; results: { seq: number; rows: unknown[][] }[]; damaged: { afterSeq: number }[] };
    expect(doc.statements[1]).toMatchObject({ seq: 5, rule: `rule-${XSS}`, reason: 'statement_denied' });
    expect(doc.events.map((e) => e.seq)).toEqual([0, 1, 2, 5, 6]);
    expect(doc.results).toEqual([expect.objectContaining({ seq: 0, rows: [[XSS, '2024-01-01']] })]);
    expect(doc.damaged).toEqual([{ segments: [2], afterSeq: 2, beforeSeq: 5, reasons: ['segment 000002 missing from the store'] }]);
  });

  it('JSON export writes statements in batches exactly as one indented array would read, none at all included', async () => {
    const many = Array.from({ length: 1203 }, (_v, i) => ({ seq: i + 10, sqlText: `select ${i}`, decision: 'allow' as const, status: 'success', rows: i }));
    for (const statements of [[], many]) {
      const m = memorySink();
      await exportJson({ ...input, statements }, m.sink);
      const text = m.text();
      expect((JSON.parse(text) as { statements: unknown[] }).statements).toEqual(statements);
      expect(text).toContain(`"statements": ${JSON.stringify(statements, null, 2).replace(/\n/g, '\n  ')},\n  "verification"`);
    }
  });

  it('replay prints the timeline with the damaged range marked, the denial rule, and result rows as they close', async () => {
    const m = memorySink();
    await replayTimeline(input.records(), m.sink, { speed: 0, resultRows: 5 });
    const lines = m.text().split('\n');
    expect(lines).toContain(`    | NOTE${' '.repeat(XSS.length - 2)}AT`);
    expect(lines).toContain(`    | ${XSS}  2024-01-01`);
    expect(lines).toContain('!! DAMAGED: events seq 3–4 cannot be shown — segment 000002 missing from the store');
    expect(lines.find((l) => l.includes('query.denied'))).toContain(`deny rule=rule-${XSS} reason=statement_denied drop table t`);
  });
});
