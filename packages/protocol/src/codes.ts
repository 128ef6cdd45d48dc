/**
 * Snowflake response codes (always strings on the wire: the driver compares with ===).
 * Sources: snowflake-sdk lib/constants/gs_errors.js, gosnowflake errors.go, docs/protocol.md §3.4, §4.5, §12.
 */
export const SF_CODES = {
  queryInProgress: '333333',
  queryInProgressAsync: '333334',
  incorrectPassword: '390100',
  jwtInvalid: '390144',
  oauthInvalid: '390303',
  oauthExpired: '390318',
  patInvalid: '394400',
  sessionTokenInvalid: '390104',
  sessionGone: '390111',
  sessionExpired: '390112',
  masterTokenNotFound: '390113',
  masterTokenExpired: '390114',
  masterTokenInvalid: '390115',
  renewBadRequest: '390400',
  syntaxError: '001003',
  objectMissing: '002003',
  insufficientPrivileges: '003001',
  statementCanceled: '000604',
  statementTimeout: '000630',
  queryNotExecuting: '000605',
  statementCountMismatch: '000008',
  resultNotFound: '000709',
  internalError: '000603',
  numericOverflow: '100038',
  divisionByZero: '100051',
  uniqueViolation: '100116',
  notNullViolation: '100072',
  conversionError: '100037',
} as const;

/** SQL states paired with the codes above. */
export const SQL_STATES = {
  syntaxError: '42000',
  objectMissing: '42S02',
  insufficientPrivileges: '42501',
  canceled: '57014',
  connection: '08001',
  dataException: '22000',
  divisionByZero: '22012',
  integrityViolation: '23000',
  internal: 'XX000',
} as const;
