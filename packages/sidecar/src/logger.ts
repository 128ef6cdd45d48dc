import { pino, type Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object: authorization headers, session and master
 * tokens, passwords and keys. SQL text, binds and rows are never passed to the logger at all.
 */
export const REDACT_PATHS = [
  'authorization', '*.authorization', '*.headers.authorization', 'req.headers.authorization',
  'token', '*.token', 'masterToken', '*.masterToken', 'sessionToken', '*.sessionToken',
  'oldSessionToken', '*.oldSessionToken', 'password', '*.password', 'PASSWORD', '*.PASSWORD', 'TOKEN', '*.TOKEN',
  'privateKey', '*.privateKey', 'passphrase', '*.passphrase', 'qrmk', '*.qrmk',
];

/** Creates the process's root logger (JSON to stdout) with the sidecar's redaction. */
export function createSidecarLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const opts = { level, base: { component: 'sidecar' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination as never) : pino(opts);
}
