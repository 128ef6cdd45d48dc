/**
 * The sample pipeline: what a team's job looks like with snowtrail — the official driver, the pod's
 * projected token as an OAuth token, the sidecar on loopback as the host, and no Snowflake secret.
 */
import snowflake from 'snowflake-sdk';
import { DEMO_PIPELINE } from './demo-data.js';

/** What the pipeline saw, for the demo's report. */
export interface PipelineOutcome {
  built: number;
  appended: number;
  revenueByCountry: { COUNTRY: string; REVENUE: number }[];
  largeRows: number;
  denied?: { code: string; sqlState?: string; message: string };
}

type Row = Record<string, unknown>;

function connect(options: snowflake.ConnectionOptions): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection(options);
  return new Promise((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve(connection))));
}

function execute(connection: snowflake.Connection, sqlText: string, binds?: snowflake.Binds): Promise<{ rows: Row[]; updated: number }> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      complete: (err, stmt, rows) => (err ? reject(err) : resolve({ rows: (rows ?? []) as Row[], updated: stmt.getNumUpdatedRows() ?? -1 })),
    });
  });
}

/** Counts a large result by streaming it, as a pipeline exporting rows would. */
function streamCount(connection: snowflake.Connection, sqlText: string): Promise<number> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      streamResult: true,
      complete: (err, stmt) => {
        if (err) return reject(err);
        let n = 0;
        stmt.streamRows().on('data', () => n++).on('error', reject).on('end', () => resolve(n));
      },
    });
  });
}

function destroy(connection: snowflake.Connection): Promise<void> {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}

/** Runs the sample pipeline against `accessUrl` with the pod's token. */
export async function runSamplePipeline(accessUrl: string, account: string, token: string): Promise<PipelineOutcome> {
  snowflake.configure({ logLevel: 'OFF' });
  const connection = await connect({ accessUrl, account, authenticator: 'OAUTH', token, application: 'demo-pipeline' } as snowflake.ConnectionOptions);
  try {
    const built = await execute(connection, DEMO_PIPELINE.build);
    const appended = await execute(connection, DEMO_PIPELINE.append, ['2026-11-21', 'FR', 1, 99.5]);
    const check = await execute(connection, DEMO_PIPELINE.check);
    const largeRows = await streamCount(connection, DEMO_PIPELINE.large);
    let denied: PipelineOutcome['denied'];
    try {
      await execute(connection, DEMO_PIPELINE.exfiltrate);
    } catch (err) {
      const e = err as { code?: string; sqlState?: string; message: string };
      denied = { code: String(e.code), sqlState: e.sqlState, message: e.message };
    }
    return {
      built: built.rows.length,
      appended: appended.updated,
      revenueByCountry: check.rows as PipelineOutcome['revenueByCountry'],
      largeRows,
      denied,
    };
  } finally {
    await destroy(connection);
  }
}
