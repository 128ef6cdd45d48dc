/** Snowflake bindings (docs/protocol.md §4.2) → DuckDB values and types. Pure. */
import { BIGINT, BOOLEAN, DOUBLE, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { BindValue } from '@snowtrail/protocol';

/** Converts Snowflake bindings (§4.2) into DuckDB values per row (one row unless array binds). */
export function bindRows(bindings: Record<string, BindValue> | undefined): [DuckDBValue[], DuckDBType[]][] {
  if (!bindings) return [];
  const keys = Object.keys(bindings).sort((x, y) => Number(x) - Number(y));
  if (keys.length === 0) return [];
  const first = bindings[keys[0]!]!;
  const rowCount = Array.isArray(first.value) ? first.value.length : 1;
  const out: [DuckDBValue[], DuckDBType[]][] = [];
  for (let r = 0; r < rowCount; r++) {
    const values: DuckDBValue[] = [];
    const types: DuckDBType[] = [];
    for (const k of keys) {
      const b = bindings[k]!;
      const raw = Array.isArray(b.value) ? (b.value[r] ?? null) : b.value;
      const [v, t] = bindValue(b.type, raw);
      values.push(v);
      types.push(t);
    }
    out.push([values, types]);
  }
  return out;
}

function bindValue(type: string, raw: string | null): [DuckDBValue, DuckDBType] {
  if (raw === null) return [null, VARCHAR];
  switch (type.toUpperCase()) {
    case 'FIXED':
      if (/^-?\d{1,18}$/.test(raw)) return [BigInt(raw), BIGINT];
      return [raw, VARCHAR];
    case 'REAL':
      return [Number(raw), DOUBLE];
    case 'BOOLEAN':
      return [raw === 'true' || raw === '1' || raw.toUpperCase() === 'TRUE', BOOLEAN];
    default:
      return [raw, VARCHAR];
  }
}
