/**
 * The Python connector for driver tests: a venv beside this file (gitignored), created on first use
 * with the pinned snowflake-connector-python, so CI runs the tests instead of skipping them.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The connector version the tests pin. */
export const PYTHON_CONNECTOR_VERSION = '4.7.1';

const VENV = join(dirname(fileURLToPath(import.meta.url)), '.venv-wif');
const PYTHON = join(VENV, 'bin', 'python');

/** Returns the venv's python, creating the venv and installing the connector when missing. */
export async function ensurePythonConnector(): Promise<string> {
  try {
    await access(PYTHON);
    await run(PYTHON, ['-c', `import snowflake.connector as c; assert c.__version__ == '${PYTHON_CONNECTOR_VERSION}', c.__version__`]);
    return PYTHON;
  } catch {
    await run('python3', ['-m', 'venv', VENV]);
    await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `snowflake-connector-python==${PYTHON_CONNECTOR_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
    return PYTHON;
  }
}

/** Runs a Python script with JSON on argv[1]; resolves with the JSON it prints last. */
export async function runPython<T>(python: string, script: string, input: unknown): Promise<T> {
  const { stdout } = await run(python, ['-c', script, JSON.stringify(input)], { timeout: 120_000, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}
