/**
 * The sample pipeline: what a team's job looks like with snowtrail — the official driver, the pod's
 * projected token as an OAuth token, the sidecar on loopback as the host, and no Snowflake secret.
 */
import { connect, destroy, execute, executeStreamCount } from '@snowtrail/devkit';
import { DEMO_PIPELINE } from './demo-data.js';

/** What the pipeline saw, for the demo's report. */
export interface PipelineOutcome {
  built: number;
  appended: number;
  revenueByCountry: { COUNTRY: string; REVENUE: number }[];
  largeRows: number;
  denied?: { code: string; sqlState?: string; message: string };
}

/** Runs the sample pipeline against `accessUrl` with the pod's token. */
export async function runSamplePipeline(accessUrl: string, account: string, token: string): Promise<PipelineOutcome> {
  const connection = await connect({ accessUrl, account, authenticator: 'OAUTH', token, application: 'demo-pipeline' });
  try {
    const built = await execute(connection, DEMO_PIPELINE.build);
    const appended = await execute(connection, DEMO_PIPELINE.append, { binds: ['2026-11-21', 'FR', 1, 99.5] });
    const check = await execute(connection, DEMO_PIPELINE.check);
    const largeRows = await executeStreamCount(connection, DEMO_PIPELINE.large);
    let denied: PipelineOutcome['denied'];
    try {
      await execute(connection, DEMO_PIPELINE.exfiltrate);
    } catch (err) {
      const e = err as { code?: string; sqlState?: string; message: string };
      denied = { code: String(e.code), sqlState: e.sqlState, message: e.message };
    }
    return {
      built: built.rows.length,
      appended: appended.statement.getNumUpdatedRows() ?? -1,
      revenueByCountry: check.rows as PipelineOutcome['revenueByCountry'],
      largeRows,
      denied,
    };
  } finally {
    await destroy(connection);
  }
}
