/**
 * Judges harness reports: a case passes when the driver ran it, its values equal the case's
 * expected values (when the case has them) or its error carries the expected code and SQLSTATE, and
 * — through the sidecar — its values equal the same driver's direct run, value by value.
 */
import type { CaseOutcome, HarnessReport } from './run-harness.js';

/** A value a driver is known to read differently from the others (its own bug), with why. */
export interface KnownDifference {
  column: number;
  value: string | null;
  why: string;
}

/** One case of drivers/cases.json. */
export interface SuiteCase {
  name: string;
  kind: string;
  mode?: 'direct' | 'sidecar';
  /** Only this driver (its report name) runs the case. */
  driver?: string;
  expected?: unknown;
  expectedError?: { code?: string; sqlState?: string };
  /** Per driver name (as its report names it): first-row values it reads differently. */
  knownDifferences?: Record<string, KnownDifference[]>;
}

/** The expected rows of a case for one driver, its known differences applied. */
export function expectedFor(c: SuiteCase, driver: string): unknown {
  const diffs = c.knownDifferences?.[driver];
  if (!diffs || !Array.isArray(c.expected)) return c.expected;
  const rows = structuredClone(c.expected) as unknown[][];
  for (const d of diffs) rows[0]![d.column] = d.value;
  return rows;
}

/** Why a case failed, or undefined when it passed. */
export function judgeCase(c: SuiteCase, driver: string, outcome: CaseOutcome | undefined, direct: CaseOutcome | undefined): string | undefined {
  if (!outcome) return 'not run';
  if (!outcome.ok) return `failed: ${outcome.failure ?? '?'}`;
  if (c.expectedError) {
    if (!outcome.error) return `expected an error, got rows ${JSON.stringify(outcome.rows)}`;
    if (c.expectedError.code && outcome.error.code !== c.expectedError.code) return `error code ${outcome.error.code}, expected ${c.expectedError.code}`;
    if (c.expectedError.sqlState && outcome.error.sqlState !== c.expectedError.sqlState) return `sqlState ${outcome.error.sqlState}, expected ${c.expectedError.sqlState}`;
  } else if (outcome.error) {
    return `unexpected error ${JSON.stringify(outcome.error)}`;
  }
  const expected = expectedFor(c, driver);
  if (expected !== undefined && JSON.stringify(outcome.rows) !== JSON.stringify(expected)) {
    return `values ${JSON.stringify(outcome.rows)}, expected ${JSON.stringify(expected)}`;
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
    if (c.driver && c.driver !== report.driver) continue;
    const reason = judgeCase(c, report.driver, report.cases[c.name], c.mode ? undefined : direct?.cases[c.name]);
    if (reason) failures[c.name] = reason;
  }
  if (!report.closed) failures.close = 'connection not closed';
  return failures;
}
