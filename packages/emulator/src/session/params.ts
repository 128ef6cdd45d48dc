/** Reading session parameter values the way Snowflake accepts them. */

/** A session parameter's boolean value (true, 'TRUE', 1, 'on'…). */
export function isTrue(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  return typeof value === 'string' && ['TRUE', '1', 'ON', 'YES'].includes(value.trim().toUpperCase());
}
