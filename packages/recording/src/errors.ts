import { SnowtrailError } from '@snowtrail/protocol';

/** Error codes of @snowtrail/recording; documented in docs/errors/recording.md. */
export const RECORDING_ERRORS = {
  unavailable: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE',
  config: 'SNOWTRAIL_ERR_RECORDING_CONFIG',
  signingKey: 'SNOWTRAIL_ERR_RECORDING_SIGNING_KEY',
  store: 'SNOWTRAIL_ERR_RECORDING_STORE',
  storeAuth: 'SNOWTRAIL_ERR_RECORDING_STORE_AUTH',
  sessionNotFound: 'SNOWTRAIL_ERR_RECORDING_SESSION_NOT_FOUND',
  corrupt: 'SNOWTRAIL_ERR_RECORDING_CORRUPT',
  jwks: 'SNOWTRAIL_ERR_RECORDING_JWKS',
} as const;

/** Any error raised by the recording package; branch on `code`. */
export class RecordingError extends SnowtrailError {
  /** Stable snake_case reason (metric label), when the error is a refusal. */
  readonly reason?: string;
  constructor(code: string, message: string, options?: { cause?: unknown; reason?: string }) {
    super(code, message, { cause: options?.cause });
    this.name = 'RecordingError';
    if (options?.reason !== undefined) this.reason = options.reason;
  }
}

/** Builds the refusal the sidecar turns into a Snowflake error: the spool cannot take the event. */
export function unavailableError(reason: string, message: string, cause?: unknown): RecordingError {
  return new RecordingError(RECORDING_ERRORS.unavailable, message, { reason, cause });
}
