/**
 * Account normalisation for key-pair JWT claims (docs/protocol.md §10.2): what precedes the first `.`;
 * for `.global` accounts what precedes the first `-` (the Python connector's rule); upper case.
 */
export function normalizeAccountForJwt(account: string): string {
  const base = account.includes('.global') ? account.split('-')[0]! : account.split('.')[0]!;
  return base.toUpperCase();
}

/** The `sub` claim of a key-pair JWT: `ACCOUNT.USER`, upper case. */
export function jwtSubject(account: string, user: string): string {
  return `${normalizeAccountForJwt(account)}.${user.toUpperCase()}`;
}

/** The `iss` claim of a key-pair JWT: `ACCOUNT.USER.SHA256:<fingerprint>`. */
export function jwtIssuer(account: string, user: string, publicKeyFingerprint: string): string {
  return `${jwtSubject(account, user)}.SHA256:${publicKeyFingerprint}`;
}

/**
 * Time claims in seconds: snowflake-sdk sends iat/exp in milliseconds (§10.1), so values that can
 * only be milliseconds (> 1e11, i.e. after year 5138 in seconds) are converted.
 */
export function normalizeEpochSeconds(value: number): number {
  return value > 1e11 ? Math.floor(value / 1000) : value;
}
