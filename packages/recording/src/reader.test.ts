import { describe, expect, it } from '@jest/globals';
import { matchesFilter, normalizeObjectName } from './reader.js';
import type { SessionSummary } from './format.js';

const summary: SessionSummary = { sessionId: 'S', kind: 'session', startedAt: '2026-11-26T10:00:00.000Z', lastEventAt: '2026-11-26T11:00:00.000Z', status: 'ended', identity: { namespace: 'pipelines', podName: 'etl-1', serviceAccount: 'etl' }, statementCount: 1, eventCount: 3 };
const listing = { summary, statements: [{ seq: 1, sqlText: 'INSERT INTO sales.orders SELECT 1' }] };

describe('session filters', () => {
  it('filter by identity, time window and SQL substring', () => {
    expect(matchesFilter(listing, { namespace: 'pipelines', pod: 'etl-1', serviceAccount: 'etl' })).toBe(true);
    expect(matchesFilter(listing, { namespace: 'other' })).toBe(false);
    expect(matchesFilter(listing, { since: new Date('2026-11-26T10:30:00Z'), until: new Date('2026-11-26T10:45:00Z') })).toBe(true);
    expect(matchesFilter(listing, { since: new Date('2026-11-26T11:30:00Z') })).toBe(false);
    expect(matchesFilter(listing, { until: new Date('2026-11-26T09:00:00Z') })).toBe(false);
    expect(matchesFilter(listing, { contains: 'insert into SALES' })).toBe(true);
    expect(matchesFilter(listing, { contains: 'delete' })).toBe(false);
  });

  it('normalises object names like the classifier (unquoted parts upper-cased)', () => {
    expect(normalizeObjectName('db.public."Mixed"')).toBe('DB.PUBLIC."Mixed"');
  });
});
