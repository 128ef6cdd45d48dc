/** One-line descriptions of events for timelines (pure; never payload bytes). */
import type { RecordingEvent } from '@snowtrail/recording';

/** A one-line description of an event: statement, outcome, result part, or the payload's fields. */
export function summarizeEvent(e: RecordingEvent): string {
  const d = e.data;
  switch (e.type) {
    case 'query':
    case 'query.denied': {
      const denial = d.decision === 'deny' ? ` rule=${String(d.rule ?? '(not recorded)')} reason=${String(d.reason ?? '(not recorded)')}` : '';
      return `${String(d.requestId ?? '')} ${String(d.decision ?? '')}${denial} ${String(d.sqlText ?? '').slice(0, 200)}`;
    }
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
