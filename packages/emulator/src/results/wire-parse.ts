/**
 * Reads back the JSON-result cell strings of encode.ts (the one place values are turned into wire
 * text), so the Arrow encoder works from the same values the JSON answers carry.
 */

/** Unscaled integer of a decimal text at a scale: ("12.3", 2) → 1230n, ("-0.05", 2) → -5n. */
export function parseDecimalUnscaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  const [whole = '0', fraction = ''] = body.split('.');
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) throw new TypeError(`not a decimal: ${text}`);
  const digits = `${whole || '0'}${fraction.padEnd(scale, '0').slice(0, scale)}`;
  const value = BigInt(digits);
  return negative ? -value : value;
}

/** Nanoseconds of a time/timestamp cell `"<secs>.<fraction>"`, a plain signed decimal ("-1.500000000" is -1.5 s). */
export function parseWireNanos(text: string): bigint {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole = '0', fraction = ''] = body.split('.');
  const nanos = BigInt(whole || '0') * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0');
  return negative ? -nanos : nanos;
}
