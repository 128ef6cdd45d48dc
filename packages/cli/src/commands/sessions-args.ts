/**
 * Command-line habits of `snowtrail sessions`, as kubectl has them: one `-o table|wide|json|yaml`
 * vocabulary, flags validated before anything is read (a malformed value is a usage error, exit 2),
 * and errors that name their real cause. Pure apart from reading the environment.
 */
import { InvalidArgumentError, Option } from 'commander';

/** Code of every usage error of `snowtrail sessions` (exit 2). */
export const USAGE_CODE = 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE';
/** No credentials were found locally for an S3 store (exit 4): the store was never asked. */
export const NO_CREDENTIALS_CODE = 'SNOWTRAIL_ERR_RECORDING_CLI_NO_CREDENTIALS';

/** Output formats of commands that print objects. */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** File formats of `sessions export`. */
export const EXPORT_FORMATS = ['json', 'csv', 'html'] as const;

/** An error carrying its code and the process exit code. */
export class SessionsCliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionsCliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A usage error (exit 2). */
export function usageError(message: string): SessionsCliError {
  return new SessionsCliError(USAGE_CODE, 2, message);
}

/** The `-o` option of a command that prints objects (commander refuses other values, exit 2). */
export function outputOption(defaultFormat: OutputFormat = 'table'): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default(defaultFormat);
}

/** Parses a whole number within [min, max]; refuses `abc`, `1.5`, `1e3`, `-1`, `` with a usage error. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a whole number, not "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, not ${value}`);
    return n;
  };
}

/** Parses a non-negative decimal (e.g. `--speed 0.5`); refuses `abc`, `-1`, `Infinity`, `0x10`. */
export function nonNegativeDecimal(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+(\.\d+)?$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a number ≥ 0 (e.g. 1, 10, 0.5), not "${value}"`);
    return Number(value);
  };
}

/** Parses an http(s) URL flag. */
export function httpUrl(flag: string): (value: string) => string {
  return (value: string) => {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw new InvalidArgumentError(`${flag} must be an http(s) URL, not "${value}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`${flag} must be an http(s) URL, not "${value}"`);
    return value;
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const STORE_QUERY_KEYS = new Set(['endpoint', 'region', 'forcePathStyle']);

/**
 * Checks the `--store` notation before anything is opened: `dir:<path>` or
 * `s3://<bucket>[/<prefix>][?endpoint=…&region=…&forcePathStyle=true|false]`. Returns the reason it
 * is malformed, or undefined.
 */
export function storeSpecProblem(spec: string): string | undefined {
  if (spec.startsWith('dir:')) return spec.length > 4 ? undefined : 'dir: needs a path (dir:/path/to/store)';
  const m = /^s3:\/\/([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(spec);
  if (!m) return 'expected s3://bucket/prefix or dir:/path';
  if (!BUCKET.test(m[1]!)) return `"${m[1]}" is not a valid bucket name (3–63 characters: lower-case letters, digits, dots, hyphens)`;
  if ((m[2] ?? '').split('/').some((p) => p === '..' || p === '.')) return 'the prefix may not contain . or .. segments';
  const q = new URLSearchParams(m[3] ?? '');
  for (const key of q.keys()) if (!STORE_QUERY_KEYS.has(key)) return `unknown store parameter "${key}" (endpoint, region, forcePathStyle)`;
  const fps = q.get('forcePathStyle');
  if (fps !== null && fps !== 'true' && fps !== 'false') return 'forcePathStyle must be true or false';
  const endpoint = q.get('endpoint');
  if (endpoint !== null) {
    try {
      if (!/^https?:$/.test(new URL(endpoint).protocol)) return 'endpoint must be an http(s) URL';
    } catch {
      return 'endpoint must be an http(s) URL';
    }
  }
  return undefined;
}

/**
 * Turns "the store refused the credentials" into "no credentials were found locally" when the AWS
 * SDK never found any to send (its credential chain failed before a request was made).
 */
export function explainStoreError(err: unknown): unknown {
  const e = err as { code?: string; cause?: { name?: string; message?: string } };
  if (e.code === 'SNOWTRAIL_ERR_RECORDING_STORE_AUTH' && e.cause?.name === 'CredentialsProviderError') {
    return new SessionsCliError(
      NO_CREDENTIALS_CODE,
      4,
      'no AWS credentials found locally (environment, AWS_PROFILE / shared config files, SSO, container or instance role); the store was not contacted — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
      { cause: err },
    );
  }
  return err;
}
