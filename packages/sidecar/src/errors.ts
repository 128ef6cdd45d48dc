import { SnowtrailError } from '@snowtrail/protocol';

/**
 * Error codes of @snowtrail/sidecar (docs/errors/sidecar.md) and the Snowflake-envelope codes the
 * sidecar answers with itself. Internal errors carry `SNOWTRAIL_ERR_SIDECAR_*`; what the driver sees
 * is always an HTTP 200 Snowflake envelope built by @snowtrail/protocol's error builder.
 */
export const SIDECAR_ERRORS = {
  podUidMissing: 'SNOWTRAIL_ERR_SIDECAR_POD_UID_MISSING',
  credentialUnreadable: 'SNOWTRAIL_ERR_SIDECAR_CREDENTIAL_UNREADABLE',
  workloadIdentityTokenUnusable: 'SNOWTRAIL_ERR_SIDECAR_WORKLOAD_IDENTITY_TOKEN_UNUSABLE',
  jwksUnavailable: 'SNOWTRAIL_ERR_SIDECAR_JWKS_UNAVAILABLE',
  listenFailed: 'SNOWTRAIL_ERR_SIDECAR_LISTEN_FAILED',
  upstreamUnreachable: 'SNOWTRAIL_ERR_SIDECAR_UPSTREAM_UNREACHABLE',
  upstreamBadAnswer: 'SNOWTRAIL_ERR_SIDECAR_UPSTREAM_BAD_ANSWER',
  answerTooLarge: 'SNOWTRAIL_ERR_SIDECAR_ANSWER_TOO_LARGE',
  busy: 'SNOWTRAIL_ERR_SIDECAR_BUSY',
} as const;

/** A sidecar failure with a stable code. */
export class SidecarError extends SnowtrailError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SidecarError';
  }
}

/**
 * Codes the sidecar itself puts in Snowflake envelopes. Snowflake's own codes where one means the
 * same thing (390303 invalid OAuth token, 390104 invalid session token, 003001 access control,
 * 000709 result not found); a `3995xx` range of its own otherwise, so a user can tell the sidecar's
 * answers from Snowflake's. Documented in docs/errors/sidecar.md.
 */
export const SIDECAR_SF_CODES = {
  authFailed: '390303',
  sessionTokenInvalid: '390104',
  masterTokenInvalid: '390115',
  loginParameterConflict: '390189',
  statementDenied: '003001',
  resultNotFound: '000709',
  resultLimitExceeded: '399501',
  recordingUnavailable: '399502',
  upstreamUnavailable: '399503',
  endpointNotSupported: '399504',
  requestInvalid: '399505',
  queryNotOwned: '399506',
  sidecarBusy: '399507',
} as const;

/** SQL states paired with the sidecar's own envelope codes. */
export const SIDECAR_SQL_STATES = {
  resultLimitExceeded: '54000',
  recordingUnavailable: '57P03',
  upstreamUnavailable: '08001',
  endpointNotSupported: '0A000',
  requestInvalid: '22000',
  requestTooLarge: '54000',
  sidecarBusy: '53000',
  accessControl: '42501',
  connection: '08001',
} as const;
