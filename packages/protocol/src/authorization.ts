/** Parses `Authorization: Snowflake Token="<token>"`; undefined when absent or another scheme. */
export function parseSnowflakeToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const m = /^Snowflake\s+Token="([^"]*)"\s*$/i.exec(value);
  if (!m || m[1] === undefined || m[1] === '' || m[1] === 'undefined' || m[1] === 'None') return undefined;
  return m[1];
}

/** Formats the header value for a token. */
export function formatSnowflakeToken(token: string): string {
  return `Snowflake Token="${token}"`;
}
