/**
 * SQL over DuckDB's catalog functions that answers Snowflake's SHOW and DESCRIBE commands with
 * Snowflake's column names (lower case, as Snowflake reports them).
 */
import { SnowflakeError } from '../errors.js';
import { quoteLiteral } from '../sql/lexer.js';
import type { ObjectName, Plan, SessionNames } from '../sql/translate.js';

/** Catalogs DuckDB creates itself, never shown as Snowflake databases. */
export const INTERNAL_CATALOGS = ['memory', 'system', 'temp'];

/** Resolves a possibly partial table name against the session's database and schema. */
export function qualifyTable(name: ObjectName, names: SessionNames): { database: string; schema: string; table: string } {
  const [a, b, c] = name;
  if (name.length >= 3) return { database: a!, schema: b!, table: c! };
  if (name.length === 2) return { database: requireDatabase(names), schema: a!, table: b! };
  return { database: requireDatabase(names), schema: requireSchema(names), table: a! };
}

function requireDatabase(names: SessionNames): string {
  if (!names.database) throw new SnowflakeError('090105', '22000', 'Cannot perform SHOW. This session does not have a current database. Call \'USE DATABASE\', or use a qualified name.');
  return names.database;
}

function requireSchema(names: SessionNames): string {
  if (!names.schema) throw new SnowflakeError('090106', '22000', 'Cannot perform SHOW. This session does not have a current schema. Call \'USE SCHEMA\', or use a qualified name.');
  return names.schema;
}

function likeClause(column: string, like: string | undefined): string {
  return like === undefined ? '' : ` AND ${column} ILIKE ${quoteLiteral(like)}`;
}

const NOT_INTERNAL_DB = `database_name NOT IN (${INTERNAL_CATALOGS.map(quoteLiteral).join(', ')})`;

/** Snowflake's type name for a DuckDB column type (DESCRIBE TABLE, SHOW COLUMNS). */
const SNOWFLAKE_TYPE_SQL = `CASE
  WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT') THEN 'NUMBER(38,0)'
  WHEN data_type LIKE 'DECIMAL(%' THEN replace(data_type, 'DECIMAL', 'NUMBER')
  WHEN data_type IN ('DOUBLE','FLOAT') THEN 'FLOAT'
  WHEN data_type = 'VARCHAR' THEN 'VARCHAR(16777216)'
  WHEN data_type = 'BLOB' THEN 'BINARY(8388608)'
  WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ(9)'
  WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_LTZ(9)'
  WHEN data_type = 'TIME' THEN 'TIME(9)'
  WHEN data_type = 'JSON' THEN 'VARIANT'
  WHEN data_type LIKE '%[]' THEN 'ARRAY'
  WHEN data_type LIKE 'STRUCT(%' OR data_type LIKE 'MAP(%' THEN 'OBJECT'
  ELSE data_type END`;

/**
 * SHOW COLUMNS' `data_type`: Snowflake's JSON with the logical type (`{"type":"FIXED","precision":38,
 * "scale":0,"nullable":true}`), which snowflake-jdbc's DatabaseMetaData.getColumns parses into
 * TYPE_NAME (NUMBER, VARCHAR, …), DATA_TYPE and COLUMN_SIZE.
 */
const SHOW_COLUMNS_DATA_TYPE_SQL = `(CASE
  WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT')
    THEN json_object('type', 'FIXED', 'precision', 38, 'scale', 0, 'nullable', is_nullable)
  WHEN data_type LIKE 'DECIMAL(%' THEN json_object('type', 'FIXED', 'precision', numeric_precision, 'scale', numeric_scale, 'nullable', is_nullable)
  WHEN data_type IN ('DOUBLE','FLOAT') THEN json_object('type', 'REAL', 'nullable', is_nullable)
  WHEN data_type = 'VARCHAR' THEN json_object('type', 'TEXT', 'length', 16777216, 'byteLength', 16777216, 'nullable', is_nullable, 'fixed', false)
  WHEN data_type = 'BLOB' THEN json_object('type', 'BINARY', 'length', 8388608, 'byteLength', 8388608, 'nullable', is_nullable, 'fixed', false)
  WHEN data_type = 'BOOLEAN' THEN json_object('type', 'BOOLEAN', 'nullable', is_nullable)
  WHEN data_type = 'DATE' THEN json_object('type', 'DATE', 'nullable', is_nullable)
  WHEN data_type = 'TIME' THEN json_object('type', 'TIME', 'precision', 0, 'scale', 9, 'nullable', is_nullable)
  WHEN data_type = 'TIMESTAMP' THEN json_object('type', 'TIMESTAMP_NTZ', 'precision', 0, 'scale', 9, 'nullable', is_nullable)
  WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN json_object('type', 'TIMESTAMP_LTZ', 'precision', 0, 'scale', 9, 'nullable', is_nullable)
  WHEN data_type = 'JSON' THEN json_object('type', 'VARIANT', 'nullable', is_nullable)
  WHEN data_type LIKE '%[]' THEN json_object('type', 'ARRAY', 'nullable', is_nullable)
  WHEN data_type LIKE 'STRUCT(%' OR data_type LIKE 'MAP(%' THEN json_object('type', 'OBJECT', 'nullable', is_nullable)
  ELSE json_object('type', 'TEXT', 'length', 16777216, 'byteLength', 16777216, 'nullable', is_nullable, 'fixed', false) END)::VARCHAR`;

/** The SQL answering a SHOW plan. */
export function showSql(plan: Extract<Plan, { kind: 'show' }>, names: SessionNames): string {
  const scope = plan.scope ?? [];
  switch (plan.object) {
    case 'databases':
      return `SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS "created_on", database_name AS "name", 'N' AS "is_default",
        CASE WHEN database_name = ${quoteLiteral(names.database ?? '')} THEN 'Y' ELSE 'N' END AS "is_current", '' AS "origin",
        'ACCOUNTADMIN' AS "owner", coalesce(comment, '') AS "comment", '' AS "options", 1 AS "retention_time", 'STANDARD' AS "kind"
        FROM duckdb_databases() WHERE NOT internal AND ${NOT_INTERNAL_DB}${likeClause('database_name', plan.like)} ORDER BY database_name`;
    case 'schemas': {
      const db = plan.scopeKind === 'account' ? undefined : (scope[0] ?? requireDatabase(names));
      const where = db === undefined ? NOT_INTERNAL_DB : `database_name = ${quoteLiteral(db)}`;
      return `SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS "created_on", schema_name AS "name", 'N' AS "is_default",
        CASE WHEN schema_name = ${quoteLiteral(names.schema ?? '')} AND database_name = ${quoteLiteral(names.database ?? '')} THEN 'Y' ELSE 'N' END AS "is_current",
        database_name AS "database_name", 'ACCOUNTADMIN' AS "owner", coalesce(comment, '') AS "comment", '' AS "options", 1 AS "retention_time"
        FROM duckdb_schemas() WHERE ${where} AND schema_name NOT IN ('main', 'pg_catalog', 'information_schema')${likeClause('schema_name', plan.like)}
        ORDER BY database_name, schema_name`;
    }
    case 'tables':
    case 'views':
    case 'objects': {
      const where = scopeWhere(plan, names);
      const tables = `SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS "created_on", table_name AS "name", database_name AS "database_name",
        schema_name AS "schema_name", CASE WHEN temporary THEN 'TEMPORARY' ELSE 'TABLE' END AS "kind", coalesce(comment, '') AS "comment",
        '' AS "cluster_by", estimated_size AS "rows", NULL::BIGINT AS "bytes", 'ACCOUNTADMIN' AS "owner", 1 AS "retention_time",
        'N' AS "is_dynamic", 'N' AS "is_iceberg"
        FROM duckdb_tables() WHERE ${where}${likeClause('table_name', plan.like)}`;
      const views = `SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS "created_on", view_name AS "name", database_name AS "database_name",
        schema_name AS "schema_name", 'VIEW' AS "kind", coalesce(comment, '') AS "comment", '' AS "cluster_by", NULL::BIGINT AS "rows",
        NULL::BIGINT AS "bytes", 'ACCOUNTADMIN' AS "owner", 1 AS "retention_time",
        'N' AS "is_dynamic", 'N' AS "is_iceberg"
        FROM duckdb_views() WHERE NOT internal AND ${where}${likeClause('view_name', plan.like)}`;
      const body = plan.object === 'tables' ? tables : plan.object === 'views' ? views : `${tables} UNION ALL ${views}`;
      return `SELECT * FROM (${body}) ORDER BY "database_name", "schema_name", "name"`;
    }
    case 'columns': {
      let where: string;
      if (plan.scopeKind === 'table' && plan.scope) {
        const t = qualifyTable(plan.scope, names);
        where = `database_name = ${quoteLiteral(t.database)} AND schema_name = ${quoteLiteral(t.schema)} AND table_name = ${quoteLiteral(t.table)}`;
      } else {
        where = scopeWhere(plan, names);
      }
      return `SELECT table_name AS "table_name", schema_name AS "schema_name", column_name AS "column_name",
        ${SHOW_COLUMNS_DATA_TYPE_SQL} AS "data_type", CASE WHEN is_nullable THEN 'true' ELSE 'false' END AS "null?",
        coalesce(column_default, '') AS "default", 'COLUMN' AS "kind", '' AS "expression", coalesce(comment, '') AS "comment",
        database_name AS "database_name", '' AS "autoincrement"
        FROM duckdb_columns() WHERE ${where}${likeClause('column_name', plan.like)} ORDER BY database_name, schema_name, table_name, column_index`;
    }
    case 'warehouses':
      return `SELECT ${quoteLiteral(names.warehouse ?? 'COMPUTE_WH')} AS "name", 'STARTED' AS "state", 'STANDARD' AS "type", 'X-Small' AS "size",
        'Y' AS "is_default", 'Y' AS "is_current", 'ACCOUNTADMIN' AS "owner", '' AS "comment"`;
  }
}

function scopeWhere(plan: Extract<Plan, { kind: 'show' }>, names: SessionNames): string {
  const scope = plan.scope ?? [];
  if (plan.scopeKind === 'account') return NOT_INTERNAL_DB;
  if (plan.scopeKind === 'database') return `database_name = ${quoteLiteral(scope[0] ?? requireDatabase(names))}`;
  const db = scope.length >= 2 ? scope[0]! : requireDatabase(names);
  const schema = scope.length >= 2 ? scope[1]! : (scope[0] ?? requireSchema(names));
  return `database_name = ${quoteLiteral(db)} AND schema_name = ${quoteLiteral(schema)}`;
}

/** The SQL answering DESCRIBE TABLE with Snowflake's columns. */
export function describeSql(table: { database: string; schema: string; table: string }): string {
  return `SELECT column_name AS "name", ${SNOWFLAKE_TYPE_SQL} AS "type", 'COLUMN' AS "kind", CASE WHEN is_nullable THEN 'Y' ELSE 'N' END AS "null?",
    column_default AS "default", 'N' AS "primary key", 'N' AS "unique key", NULL::VARCHAR AS "check", NULL::VARCHAR AS "expression",
    comment AS "comment", NULL::VARCHAR AS "policy name", NULL::VARCHAR AS "privacy domain"
    FROM duckdb_columns() WHERE database_name = ${quoteLiteral(table.database)} AND schema_name = ${quoteLiteral(table.schema)}
    AND table_name = ${quoteLiteral(table.table)} ORDER BY column_index`;
}
