/**
 * Judges harness reports: a case passes when the driver ran it, its values equal the case's
 * expected values (when the case has them) or its error carries the expected code and SQLSTATE, and
 * — through the sidecar — its values equal the same driver's direct run, value by value.
 */
import type { CaseOutcome, HarnessReport } from './run-harness.js';

/** One case of drivers/cases.json. */
export interface SuiteCase {
  name: string;
  kind: string;
  mode?: 'direct' | 'sidecar';
  expected?: unknown;
  expectedError?: { code?: string; sqlState?: string };
}

/** Why a case failed, or undefined when it passed. */
export function judgeCase(c: SuiteCase, outcome: CaseOutcome | undefined, direct: CaseOutcome | undefined): string | undefined {
  if (!outcome) return 'not run';
  if (!outcome.ok) return `failed: ${outcome.failure ?? '?'}`;
  if (c.expectedError) {
    if (!outcome.error) return `expected an error, got rows ${JSON.stringify(outcome.rows)}`;
    if (c.expectedError.code && outcome.error.code !== c.expectedError.code) return `error code ${outcome.error.code}, expected ${c.expectedError.code}`;
    if (c.expectedError.sqlState && outcome.error.sqlState !== c.expectedError.sqlState) return `sqlState ${outcome.error.sqlState}, expected ${c.expectedError.sqlState}`;
  } else if (outcome.error) {
    return `unexpected error ${JSON.stringify(outcome.error)}`;
  }
  if (c.expected !== undefined && JSON.stringify(outcome.rows) !== JSON.stringify(c.expected)) {
    return `values ${JSON.stringify(outcome.rows)}, expected ${JSON.stringify(c.expected)}`;
  }
  if (direct && JSON.stringify(stripFormat(outcome)) !== JSON.stringify(stripFormat(direct))) {
    return `differs from the direct run: ${JSON.stringify(stripFormat(outcome))} vs ${JSON.stringify(stripFormat(direct))}`;
  }
  return undefined;
}

function stripFormat(o: CaseOutcome): unknown {
  return { rows: o.rows, columns: o.columns, error: o.error };
}

/** Every failing case of a report: name → reason. */
export function judgeReport(cases: SuiteCase[], report: HarnessReport, direct: HarnessReport | undefined, mode: 'direct' | 'sidecar'): Record<string, string> {
  const failures: Record<string, string> = {};
  for (const c of cases) {
    if (c.mode && c.mode !== mode) continue;
    const reason = judgeCase(c, report.cases[c.name], c.mode ? undefined : direct?.cases[c.name]);
    if (reason) failures[c.name] = reason;
  }
  if (!report.closed) failures.close = 'connection not closed';
  return failures;
}
