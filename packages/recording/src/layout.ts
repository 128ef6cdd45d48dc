/** Object keys of format v1 in the store (S3 or a directory); see docs/recording-format.md. */

/** Normalises a prefix to '' or 'a/b/'. */
export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return p === '' ? '' : `${p}/`;
}

/** The UTC day (YYYY-MM-DD) a session id was created on: ids start with YYYYMMDDTHHMMSS. */
export function sessionDay(sessionId: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T/.exec(sessionId);
  if (!m) throw new Error(`not a session id: ${sessionId}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Whether a string has the shape of a session id. */
export function isSessionId(s: string): boolean {
  return /^\d{8}T\d{6}Z-[0-9a-f]{12}$/.test(s);
}

/** Builds a session id: creation time (UTC, sortable) and 48 random bits. */
export function makeSessionId(now: number, randomHex: string): string {
  const iso = new Date(now).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${stamp}-${randomHex.slice(0, 12)}`;
}

/** Zero-padded object number. */
export function pad(n: number): string {
  return String(n).padStart(6, '0');
}

/** Prefix listing every day that holds sessions. */
export function sessionsRoot(prefix: string): string {
  return `${prefix}v1/sessions/`;
}

/** Prefix of one day's sessions. */
export function dayPrefix(prefix: string, day: string): string {
  return `${prefix}v1/sessions/${day}/`;
}

/** Prefix of one session's objects. */
export function sessionPrefix(prefix: string, sessionId: string): string {
  return `${prefix}v1/sessions/${sessionDay(sessionId)}/${sessionId}/`;
}

/** Key of segment `no` of a session. */
export function segmentKey(prefix: string, sessionId: string, no: number): string {
  return `${sessionPrefix(prefix, sessionId)}segments/${pad(no)}.jsonl.gz`;
}

/** Key of index part `no` (written with digest `no`). */
export function indexKey(prefix: string, sessionId: string, no: number): string {
  return `${sessionPrefix(prefix, sessionId)}index/${pad(no)}.json`;
}

/** Key of digest `no`. */
export function digestKey(prefix: string, sessionId: string, no: number): string {
  return `${sessionPrefix(prefix, sessionId)}digests/${pad(no)}.jws`;
}

/** Key of one published public key. */
export function publicKeyKey(prefix: string, kid: string): string {
  return `${prefix}v1/keys/${encodeURIComponent(kid)}.json`;
}

/** Key of the published JWKS (every key under v1/keys/). */
export function jwksKey(prefix: string): string {
  return `${prefix}v1/keys/jwks.json`;
}

/** Parses the trailing number of a segment/index/digest key. */
export function objectNumber(key: string): number | undefined {
  const m = /\/(\d{6})\.(?:jsonl\.gz|json|jws)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** Key of a blob relative to its session's folder (v2): digests name blobs this way. */
export function relativeBlobKey(sha256: string): string {
  return `blobs/${sha256}`;
}

/** Key of a blob of a session (v2): content-addressed, one object per distinct payload. */
export function blobKey(prefix: string, sessionId: string, sha256: string): string {
  return `${sessionPrefix(prefix, sessionId)}${relativeBlobKey(sha256)}`;
}

/** A key relative to a session's folder (`segments/000001.jsonl.gz`): v2 digests carry these. */
export function relativeToSession(prefix: string, sessionId: string, key: string): string {
  const base = sessionPrefix(prefix, sessionId);
  return key.startsWith(base) ? key.slice(base.length) : key;
}

/**
 * The store key a digest names: v1 digests carry full keys (as written, under the writer's prefix),
 * v2 digests keys relative to the session, so a copied recording resolves under its new prefix.
 */
export function resolveDigestKey(prefix: string, sessionId: string, key: string, version: number): string {
  return version >= 2 ? `${sessionPrefix(prefix, sessionId)}${key}` : key;
}
