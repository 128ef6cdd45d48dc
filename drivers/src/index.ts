/** The driver compatibility suite's building blocks, shared with the driver benchmarks. */
export { startSuiteStack, SUITE_ACCOUNT, SUITE_USER, type SuiteStack } from './stack.js';
export { runHarness, EXTERNAL_DRIVERS, CASES_FILE, ROOT, type HarnessConfig, type HarnessReport, type CaseOutcome, type ExternalDriver } from './run-harness.js';
