/** Errors the emulator raises to its host (never to a driver: drivers get Snowflake envelopes). */
import { SnowtrailError } from '@snowtrail/protocol';

/** Stable error codes of the emulator, documented in docs/errors/emulator.md. */
export const EMULATOR_ERROR_CODES = {
  invalidOptions: 'SNOWTRAIL_ERR_EMULATOR_INVALID_OPTIONS',
  invalidPublicKey: 'SNOWTRAIL_ERR_EMULATOR_INVALID_PUBLIC_KEY',
  initSqlFailed: 'SNOWTRAIL_ERR_EMULATOR_INIT_SQL_FAILED',
  listenFailed: 'SNOWTRAIL_ERR_EMULATOR_LISTEN_FAILED',
  invalidFaults: 'SNOWTRAIL_ERR_EMULATOR_INVALID_FAULTS',
} as const;

/** An emulator error with a stable `code` (branch on the code, never on the message). */
export class EmulatorError extends SnowtrailError {
  declare readonly code: (typeof EMULATOR_ERROR_CODES)[keyof typeof EMULATOR_ERROR_CODES];
  constructor(code: (typeof EMULATOR_ERROR_CODES)[keyof typeof EMULATOR_ERROR_CODES], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EmulatorError';
  }
}

/** A Snowflake-level failure of a statement or request, turned into an error envelope at the edge. */
export class SnowflakeError extends Error {
  constructor(
    readonly sfCode: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnowflakeError';
  }
}
