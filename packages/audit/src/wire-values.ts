/**
 * Snowflake's JSON result cells, read with their column's type: every cell on the wire is a string
 * (or null) whose meaning depends on the column's `type` and `scale` in `rowtype` — a DATE is days
 * since 1970-01-01, a TIMESTAMP_NTZ is epoch seconds with a fraction, a TIMESTAMP_TZ adds an offset
 * index (minutes + 1440). Arrow cells are decoded to these same wire strings (arrow.ts), so one
 * formatter makes both readable. Pure.
 */

/** A result column as the answer's `rowtype` (or an Arrow field's metadata) describes it. */
export interface ColumnType {
  name: string;
  /** Snowflake logical type, lower case: fixed, real, text, boolean, date, time, timestamp_ntz, … */
  type?: string;
  scale?: number;
  precision?: number;
}

/** Columns of an answer's `rowtype` (names and types; unknown shapes give bare names). */
export function columnsFromRowtype(rowtype: unknown): ColumnType[] {
  if (!Array.isArray(rowtype)) return [];
  return rowtype.map((c: unknown, i) => {
    const r = (c ?? {}) as Record<string, unknown>;
    return {
      name: typeof r.name === 'string' ? r.name : `COLUMN${i + 1}`,
      ...(typeof r.type === 'string' ? { type: r.type.toLowerCase() } : {}),
      ...(typeof r.scale === 'number' ? { scale: r.scale } : {}),
      ...(typeof r.precision === 'number' ? { precision: r.precision } : {}),
    };
  });
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Splits "secs.frac" into whole seconds (bigint-safe) and the fraction digits as written. */
function splitSeconds(s: string): { secs: number; frac: string } | undefined {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  return { secs: Number(m[1]), frac: m[2] ?? '' };
}

function civil(ms: number): { date: string; time: string } | undefined {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  const y = d.getUTCFullYear();
  const year = y < 0 ? `-${String(-y).padStart(6, '0')}` : y > 9999 ? `+${String(y).padStart(6, '0')}` : String(y).padStart(4, '0');
  return { date: `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`, time: `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}` };
}

/** A negative epoch with a fraction ("-1.250000000") is -1 s - 0.25 s: whole seconds floor, fraction counts up. */
function floorSeconds(secs: number, frac: string, negative: boolean): { secs: number; frac: string } {
  if (!negative || /^0*$/.test(frac)) return { secs, frac };
  const digits = frac.length;
  const up = (10n ** BigInt(digits) - BigInt(frac)).toString().padStart(digits, '0');
  return { secs: secs - 1, frac: up };
}

function timestamp(wire: string, zone: 'none' | 'utc' | 'offset'): string {
  const [value, tzIndex] = wire.trim().split(/\s+/);
  const parts = splitSeconds(value ?? '');
  if (!parts) return wire;
  const { secs, frac } = floorSeconds(parts.secs, parts.frac, (value ?? '').startsWith('-'));
  const offsetMin = zone === 'offset' && tzIndex !== undefined ? Number(tzIndex) - 1440 : 0;
  const c = civil((secs + offsetMin * 60) * 1000);
  if (!c) return wire;
  const fraction = frac ? `.${frac}` : '';
  if (zone === 'none') return `${c.date} ${c.time}${fraction}`;
  if (zone === 'utc') return `${c.date} ${c.time}${fraction} Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${c.date} ${c.time}${fraction} ${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * A readable text of one wire cell for its column: dates and times in ISO form, booleans as
 * true/false, everything else as sent. A value that does not fit its type is shown as sent.
 */
export function formatCell(wire: unknown, column?: ColumnType): string {
  if (wire === null || wire === undefined) return 'NULL';
  if (typeof wire !== 'string') return typeof wire === 'object' ? JSON.stringify(wire) : String(wire);
  switch (column?.type) {
    case 'date': {
      if (!/^-?\d+$/.test(wire.trim())) return wire;
      return civil(Number(wire) * 86_400_000)?.date ?? wire;
    }
    case 'time': {
      const p = splitSeconds(wire);
      if (!p || p.secs < 0 || p.secs >= 86_400) return wire;
      return `${pad2(Math.floor(p.secs / 3600))}:${pad2(Math.floor((p.secs % 3600) / 60))}:${pad2(p.secs % 60)}${p.frac ? `.${p.frac}` : ''}`;
    }
    case 'timestamp_ntz':
      return timestamp(wire, 'none');
    case 'timestamp_ltz':
      return timestamp(wire, 'utc');
    case 'timestamp_tz':
      return timestamp(wire, 'offset');
    case 'boolean':
      return wire === '1' || wire.toLowerCase() === 'true' ? 'true' : wire === '0' || wire.toLowerCase() === 'false' ? 'false' : wire;
    default:
      return wire;
  }
}
