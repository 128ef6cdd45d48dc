/**
 * The one error base class of the codebase. Every package's errors extend it, so each error carries
 * a stable `code` (`SNOWTRAIL_ERR_<AREA>_<WHAT>`, documented in docs/errors/), a message, an
 * optional `cause` and the process exit code a command ends with when the error reaches it.
 *
 * As undici does (lib/core/errors.js), `instanceof SnowtrailError` checks a brand registered with
 * `Symbol.for`, not the prototype chain: two copies of a package (a bundled CLI next to a library,
 * two versions in one node_modules) still recognise each other's errors. Subclasses keep the usual
 * prototype check, so `err instanceof ConfigError` is never true of a RecordingError. Code still
 * branches on `err.code`.
 */

/** Process exit codes shared by every command. */
export const EXIT_CODES = {
  /** The command ran and failed (store unreachable, session corrupt, upstream down). */
  failure: 1,
  /** The command line is wrong: unknown value, malformed flag, missing argument. */
  usage: 2,
} as const;

const kSnowtrailError = Symbol.for('snowtrail.error');

/** What a {@link SnowtrailError} takes besides its code and message. */
export interface SnowtrailErrorOptions {
  cause?: unknown;
  /**
   * Exit code of a command that ends with this error. Absent, the command decides (a command may map
   * codes to its own documented exit codes, as `sessions` does) and {@link exitCodeOf} says failure.
   */
  exitCode?: number;
}

/** Base of every snowtrail error: a stable `code`, a message, an optional exit code and cause. */
export class SnowtrailError extends Error {
  readonly code: string;
  readonly exitCode?: number;

  constructor(code: string, message: string, options: SnowtrailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SnowtrailError';
    this.code = code;
    if (options.exitCode !== undefined) this.exitCode = options.exitCode;
  }

  /** The brand that makes `instanceof SnowtrailError` work across copies of the package. */
  get [kSnowtrailError](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SnowtrailError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isSnowtrailError(value);
  }
}

/** True for any snowtrail error, from this copy of the package or another one. */
export function isSnowtrailError(value: unknown): value is SnowtrailError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kSnowtrailError] === true;
}

/** The exit code a command ends with for `err`: the one it carries, else a failure. */
export function exitCodeOf(err: unknown): number {
  return (isSnowtrailError(err) ? err.exitCode : undefined) ?? EXIT_CODES.failure;
}
