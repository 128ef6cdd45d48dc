/**
 * DuckDB plumbing shared by the writer and the reader: the two tables' columns, loading rows built
 * in JavaScript (through a newline-delimited JSON file), and writing one partition as Parquet.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogTable } from './catalog-layout.js';
import type { SessionRow, StatementRow } from './rows.js';

/** Column name → DuckDB type, in file order; `day` and `namespace` are partition columns (paths, not files). */
export const TABLE_COLUMNS: Record<CatalogTable, readonly (readonly [string, string])[]> = {
  sessions: [
    ['session_id', 'VARCHAR'],
    ['day', 'DATE'],
    ['namespace', 'VARCHAR'],
    ['kind', 'VARCHAR'],
    ['status', 'VARCHAR'],
    ['end_reason', 'VARCHAR'],
    ['started_at', 'TIMESTAMP'],
    ['last_event_at', 'TIMESTAMP'],
    ['subject', 'VARCHAR'],
    ['pod', 'VARCHAR'],
    ['pod_uid', 'VARCHAR'],
    ['service_account', 'VARCHAR'],
    ['node', 'VARCHAR'],
    ['account', 'VARCHAR'],
    ['snowflake_user', 'VARCHAR'],
    ['role', 'VARCHAR'],
    ['warehouse', 'VARCHAR'],
    ['policy_name', 'VARCHAR'],
    ['policy_generation', 'BIGINT'],
    ['client_app', 'VARCHAR'],
    ['client_version', 'VARCHAR'],
    ['client_address', 'VARCHAR'],
    ['statement_count', 'BIGINT'],
    ['event_count', 'BIGINT'],
    ['index_parts', 'BIGINT'],
    ['summary_json', 'VARCHAR'],
  ],
  statements: [
    ['session_id', 'VARCHAR'],
    ['day', 'DATE'],
    ['namespace', 'VARCHAR'],
    ['seq', 'BIGINT'],
    ['pod', 'VARCHAR'],
    ['service_account', 'VARCHAR'],
    ['request_id', 'VARCHAR'],
    ['query_id', 'VARCHAR'],
    ['time', 'TIMESTAMP'],
    ['end_time', 'TIMESTAMP'],
    ['sql_text', 'VARCHAR'],
    ['sql_truncated', 'BOOLEAN'],
    ['classes', 'VARCHAR[]'],
    ['reads', 'VARCHAR[]'],
    ['writes', 'VARCHAR[]'],
    ['reads_norm', 'VARCHAR[]'],
    ['writes_norm', 'VARCHAR[]'],
    ['decision', 'VARCHAR'],
    ['status', 'VARCHAR'],
    ['error_code', 'VARCHAR'],
    ['rows', 'BIGINT'],
    ['bytes', 'BIGINT'],
    ['segment', 'BIGINT'],
    ['statement_json', 'VARCHAR'],
    // Added after the first catalogs were written: appended, so older parts are the same columns minus these
    // (readers union parts by name and see NULL there).
    ['rule', 'VARCHAR'],
    ['reason', 'VARCHAR'],
  ],
};

/** Ordering of each table inside a part (sessions by id; statements by session, then seq). */
export const TABLE_ORDER: Record<CatalogTable, string> = { sessions: 'session_id', statements: 'session_id, seq' };

/** A SQL string literal (pure). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Creates an empty table with the catalog columns of `table` (plus `catalog_run`). */
export async function createTable(conn: DuckDBConnection, name: string, table: CatalogTable): Promise<void> {
  const cols = TABLE_COLUMNS[table].map(([n, t]) => `"${n}" ${t}`).join(', ');
  await conn.run(`CREATE TABLE ${name} (${cols}, catalog_run VARCHAR)`);
}

/** Inserts rows built in JavaScript into a table created by createTable; times that do not parse become NULL. */
export async function insertRows(conn: DuckDBConnection, name: string, table: CatalogTable, rows: readonly (SessionRow | StatementRow)[], scratchDir: string): Promise<void> {
  if (rows.length === 0) return;
  const file = join(scratchDir, `${name}-${Date.now()}-${Math.random().toString(16).slice(2)}.jsonl`);
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const cols = TABLE_COLUMNS[table];
  const jsonTypes = cols.map(([n, t]) => `"${n}": '${t === 'TIMESTAMP' || t === 'DATE' ? 'VARCHAR' : t}'`).join(', ');
  const select = cols.map(([n, t]) => (t === 'TIMESTAMP' || t === 'DATE' ? `TRY_CAST("${n}" AS ${t}) AS "${n}"` : `"${n}"`)).join(', ');
  await conn.run(`INSERT INTO ${name} BY NAME SELECT ${select} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${jsonTypes}}, maximum_object_size = 67108864)`);
}

/** Writes the rows of one partition (selected by `from`) as a Parquet file without the partition columns; returns the row count. */
export async function copyPartition(conn: DuckDBConnection, from: string, table: CatalogTable, runId: string, path: string): Promise<number> {
  const r = await conn.runAndReadAll(
    `COPY (SELECT * EXCLUDE (day, namespace, catalog_run), ${sqlString(runId)} AS catalog_run FROM (${from}) ORDER BY ${TABLE_ORDER[table]}) TO ${sqlString(path)} (FORMAT parquet)`,
  );
  return Number(r.getRows()[0]?.[0] ?? 0);
}
