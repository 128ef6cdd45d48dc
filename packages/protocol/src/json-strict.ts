/**
 * Strict JSON for request bodies the sidecar judges and forwards: `JSON.parse` keeps the last of two
 * equal keys while another parser (Snowflake's) may keep the first, so a body with a duplicate key
 * could be judged as one request and run as another. Such bodies are refused, as are bodies nested
 * deeper than any driver sends (re-serialising them would exhaust the stack).
 */
import { BodyMalformedError } from './body-codec.js';

/** Nesting no driver request comes near (login bodies nest 3 levels, binds 3). */
export const MAX_JSON_DEPTH = 64;

/** Thrown when one JSON object repeats a key. */
export class BodyDuplicateKeyError extends Error {
  readonly code = 'SNOWTRAIL_ERR_PROTOCOL_BODY_DUPLICATE_KEY';
  constructor(readonly key: string) {
    super(`request body repeats the key "${key.length > 64 ? `${key.slice(0, 64)}…` : key}" in one object`);
    this.name = 'BodyDuplicateKeyError';
  }
}

/** Thrown when JSON nests deeper than allowed. */
export class BodyTooDeepError extends Error {
  readonly code = 'SNOWTRAIL_ERR_PROTOCOL_BODY_TOO_DEEP';
  constructor(readonly limit: number) {
    super(`request body nests deeper than ${limit} levels`);
    this.name = 'BodyTooDeepError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let j = text.indexOf('"', start + 1);
  while (j !== -1) {
    let slashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return -1;
}

/**
 * Scans JSON text for duplicate keys and excessive nesting without building values. Syntax errors
 * are left to `JSON.parse`, which runs next.
 */
export function checkJsonShape(text: string, maxDepth = MAX_JSON_DEPTH): void {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return;
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        let key = raw;
        if (raw.includes('\\')) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            return;
          }
        }
        const keys = stack[stack.length - 1]!;
        if (keys.has(key)) throw new BodyDuplicateKeyError(key);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > maxDepth) throw new BodyTooDeepError(maxDepth);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    }
  }
}

/** Parses a request body's JSON text strictly (no duplicate keys, bounded nesting); empty text is `undefined`. */
export function parseJsonStrict<T = unknown>(text: string, maxDepth = MAX_JSON_DEPTH): T | undefined {
  if (text.trim() === '') return undefined;
  checkJsonShape(text, maxDepth);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new BodyMalformedError('request body is not valid JSON', { cause: err });
  }
}
