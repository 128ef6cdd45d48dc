import { randomBytes } from 'node:crypto';

/**
 * Opaque, unguessable handles given to clients instead of real tokens, and in chunk capability URLs:
 * 256 random bits, base64url (safe inside `Snowflake Token="..."` and in a URL path).
 */
export function newHandle(kind: 'session' | 'master' | 'chunk'): string {
  const prefix = kind === 'session' ? 'snowtrail:s:' : kind === 'master' ? 'snowtrail:m:' : '';
  return prefix + randomBytes(32).toString('base64url');
}
