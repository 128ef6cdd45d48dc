/**
 * Runs one driver's harness process against one endpoint and parses its JSON report. The harnesses
 * (drivers/python, drivers/jdbc, drivers/go) are installed by scripts/install-drivers.sh into
 * .drivers/; a driver whose install is missing is reported as such, never silently passed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The workspace root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** Where scripts/install-drivers.sh puts the drivers. */
export const CACHE = process.env.SNOWTRAIL_DRIVERS_CACHE ?? join(ROOT, '.drivers');
/** The shared case list. */
export const CASES_FILE = join(ROOT, 'drivers', 'cases.json');

/** What a harness needs to connect. */
export interface HarnessConfig {
  mode: 'direct' | 'sidecar';
  host: string;
  port: number;
  account: string;
  user: string;
  database: string;
  schema: string;
  warehouse: string;
  emulatorUrl: string;
  casesFile: string;
  auth: { kind: 'jwt'; privateKeyFile: string } | { kind: 'oauth'; token: string };
}

/** One case's outcome as a harness reports it. */
export interface CaseOutcome {
  ok: boolean;
  failure?: string;
  format?: string;
  rows?: unknown;
  columns?: unknown;
  error?: { class: string; code: string; sqlState: string };
  /** Wall time of the case inside the harness (Python and JDBC), for the benchmarks. */
  elapsedMs?: number;
  /** Large-result cases: the time from the statement's answer to the last row (chunk download and decoding). */
  fetchMs?: number;
}

/** A harness's whole report. */
export interface HarnessReport {
  driver: string;
  version: string;
  cases: Record<string, CaseOutcome>;
  closed: boolean;
}

/** An external driver harness: how to start it, and whether it is installed. */
export interface ExternalDriver {
  name: 'python' | 'jdbc' | 'go';
  installed(): boolean;
  command(configFile: string): { file: string; args: string[] };
}

/** The three external harnesses. */
export const EXTERNAL_DRIVERS: ExternalDriver[] = [
  {
    name: 'python',
    installed: () => existsSync(join(CACHE, 'venv', 'bin', 'python')),
    command: (cfg) => ({ file: join(CACHE, 'venv', 'bin', 'python'), args: [join(ROOT, 'drivers', 'python', 'harness.py'), cfg] }),
  },
  {
    name: 'jdbc',
    installed: () => existsSync(join(CACHE, 'snowflake-jdbc.jar')) && existsSync(join(CACHE, 'jdbc-classes', 'Harness.class')),
    // Arrow's memory module needs java.nio opened on JDK 16+; UTC so TIMESTAMP_NTZ reads as written.
    command: (cfg) => ({
      file: 'java',
      args: ['--add-opens=java.base/java.nio=ALL-UNNAMED', '-Duser.timezone=UTC', '-cp', `${join(CACHE, 'jdbc-classes')}:${join(CACHE, 'snowflake-jdbc.jar')}`, 'Harness', cfg],
    }),
  },
  {
    name: 'go',
    installed: () => existsSync(join(CACHE, 'go-harness')),
    command: (cfg) => ({ file: join(CACHE, 'go-harness'), args: [cfg] }),
  },
];

/** Runs a harness once with its config; rejects with its stderr when it exits non-zero. */
export async function runHarness(driver: ExternalDriver, config: HarnessConfig, dir: string): Promise<HarnessReport> {
  const file = join(dir, `${driver.name}-${config.mode}.json`);
  await writeFile(file, JSON.stringify(config));
  const { file: cmd, args } = driver.command(file);
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      // The drivers probe cloud metadata endpoints for platform detection unless told not to.
      { env: { ...process.env, SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1', TZ: 'UTC' }, maxBuffer: 64 << 20, timeout: 300_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${driver.name} harness failed: ${err.message}\n${stderr.slice(-4000)}`));
        try {
          resolve(JSON.parse(stdout) as HarnessReport);
        } catch {
          reject(new Error(`${driver.name} harness printed no report:\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
        }
      },
    );
  });
}
