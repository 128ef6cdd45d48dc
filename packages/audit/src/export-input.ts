/** What every export is made of: the index's view, the verification, and a way to read the events. */
import type { IndexStatement, SessionRecord, SessionSummary, VerifyReport } from '@snowtrail/recording';
import type { Denial } from './session-pass.js';

/** Inputs of an export. `records` starts a fresh streaming read of the session each time it is called. */
export interface SessionExport {
  summary: SessionSummary;
  statements: IndexStatement[];
  verification: VerifyReport;
  generatedAt: string;
  records: () => AsyncIterable<SessionRecord>;
  /** The index could not be read; summary and statements were rebuilt from the segments. */
  rebuilt?: boolean;
}

/** A statement with the rule and reason of its denial, when it was denied (pure). */
export function withDenial(s: IndexStatement, denials: ReadonlyMap<number, Denial>): IndexStatement & Denial {
  const d = s.decision === 'deny' ? denials.get(s.seq) : undefined;
  return d ? { ...s, ...d } : s;
}
