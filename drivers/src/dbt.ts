/**
 * Runs the suite's dbt project (drivers/dbt) with dbt-snowflake from .drivers/dbt-venv through the
 * sidecar: OAuth with the pod token, read from the token file for each dbt invocation, as
 * docs/drivers.md's dbt profile does.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE, ROOT } from './run-harness.js';

/** The dbt executable of the suite's venv. */
export const DBT = join(CACHE, 'dbt-venv', 'bin', 'dbt');
/** The suite's dbt project (also its profiles dir). */
export const DBT_PROJECT = join(ROOT, 'drivers', 'dbt');

/** True when scripts/install-drivers.sh installed dbt. */
export function isDbtInstalled(): boolean {
  return existsSync(DBT);
}

/** Where dbt connects and what it builds. */
export interface DbtTarget {
  account: string;
  host: string;
  port: number;
  database: string;
  tokenFile: string;
  workDir: string;
}

/** One dbt command (`build`, `run`, …); resolves with its exit code and output. */
export async function runDbt(target: DbtTarget, args: string[]): Promise<{ code: number; output: string }> {
  const token = (await readFile(target.tokenFile, 'utf8')).trim();
  return new Promise((resolve) => {
    execFile(
      DBT,
      [...args, '--profiles-dir', DBT_PROJECT, '--project-dir', DBT_PROJECT],
      {
        env: {
          ...process.env,
          SNOWFLAKE_ACCOUNT: target.account,
          SNOWFLAKE_HOST: target.host,
          SNOWFLAKE_PORT: String(target.port),
          SNOWFLAKE_TOKEN: token,
          SNOWFLAKE_DATABASE: target.database,
          SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
          DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
          DBT_TARGET_PATH: join(target.workDir, 'target'),
          DBT_LOG_PATH: join(target.workDir, 'logs'),
        },
        timeout: 300_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}
