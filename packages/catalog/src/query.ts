/**
 * Querying the catalog with DuckDB: the parts the newest manifest names (pruned by day and
 * namespace when asked), plus the tail — sessions the manifest does not cover as final, read from
 * their index parts — so answers are complete. The SQL sees two tables, `sessions` and
 * `statements`, and runs with DuckDB's file and network access turned off.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '@snowtrail/recording';
import { NO_NAMESPACE, namespacePartition, type CatalogTable } from './catalog-layout.js';
import { CATALOG_ERRORS, CatalogError } from './errors.js';
import { createTable, insertRows, sqlString } from './duck.js';
import { listStoreSessionIds, readIndexedSessions } from './index-source.js';
import { loadLatestManifest, type CatalogManifest, type ManifestPartition } from './manifest.js';
import { fetchParts } from './part-files.js';
import { rowsOfSession } from './rows.js';
import { sessionsToRead } from './build.js';

/** Which partitions to load: sessions created on days within [since, until] and in these namespaces. */
export interface CatalogScope {
  since?: Date;
  until?: Date;
  namespaces?: string[];
}

/** An open catalog: run SQL, then close. */
export interface OpenCatalog {
  /** Runs SQL over `sessions` and `statements`; returns plain JSON rows. */
  query(sql: string, params?: string[]): Promise<Record<string, unknown>[]>;
  /** The manifest the answers come from (undefined: no run finished yet, everything is tail). */
  readonly manifest: CatalogManifest | undefined;
  /** Sessions read from their index parts because the manifest does not cover them as final. */
  readonly tailSessions: number;
  /** Lazy catalogs: makes `table` queryable from the parts of these partitions (all in scope when absent) plus the tail. */
  load(table: CatalogTable, partitions?: readonly PartitionRef[]): Promise<void>;
  close(): Promise<void>;
}

function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Partitions within the scope (pure). */
export function partitionsInScope(partitions: readonly ManifestPartition[], scope: CatalogScope): ManifestPartition[] {
  const wanted = scope.namespaces ? new Set(scope.namespaces.map((n) => namespacePartition(n))) : undefined;
  return partitions.filter(
    (p) => (!scope.since || p.day >= dayOf(scope.since)) && (!scope.until || p.day <= dayOf(scope.until)) && (!wanted || wanted.has(p.namespace)),
  );
}

/**
 * SQL reading parts of one table with their Hive partition columns, or undefined when there are none.
 * Parts are unioned by column name: a part written before a column was added lacks it and reads NULL.
 */
function partsSource(files: readonly string[]): string | undefined {
  if (files.length === 0) return undefined;
  return `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, hive_types = {'day': DATE, 'namespace': VARCHAR}, hive_types_autocast = false, union_by_name = true)`;
}

/** Options of openCatalog beyond the scope. */
export interface OpenCatalogOptions {
  /**
   * Copy the rows into memory and turn DuckDB's external access off before any SQL runs: required
   * for SQL typed by a person. Without it the tables are views over the Parquet files (faster:
   * only the columns and row groups a query needs are read), for the package's own fixed SQL.
   */
  closed?: boolean;
  /** Create no table at open: the caller loads each with `load`, possibly for a few partitions only. */
  lazy?: boolean;
}

/** A partition to load. */
export interface PartitionRef {
  day: string;
  /** The partition value (namespacePartition of the namespace). */
  namespace: string;
}

/** Opens the catalog of a store for SQL over the scope. */
export async function openCatalog(store: ObjectStore, scope: CatalogScope = {}, options: OpenCatalogOptions = {}): Promise<OpenCatalog> {
  const manifest = await loadLatestManifest(store);
  const scratchDir = await mkdtemp(join(tmpdir(), 'snowtrail-catalog-query-'));
  const instance = await DuckDBInstance.create(':memory:');
  const close = async (): Promise<void> => {
    instance.closeSync();
    await rm(scratchDir, { recursive: true, force: true });
  };
  try {
    const conn = await instance.connect();
    const parts = partitionsInScope(manifest?.partitions ?? [], scope);
    const tailIds = sessionsToRead(await listStoreSessionIds(store, scope), manifest, false);
    const tail = (await readIndexedSessions(store, tailIds)).flatMap((s) => rowsOfSession(s) ?? []);
    const namespaces = scope.namespaces ? new Set(scope.namespaces.map((n) => namespacePartition(n))) : undefined;
    const tailInScope = tail.filter((r) => !namespaces || namespaces.has(r.session.namespace));
    for (const table of ['sessions', 'statements'] as const) await createTable(conn, `tail_${table}`, table);
    await insertRows(conn, 'tail_sessions', 'sessions', tailInScope.map((t) => t.session), scratchDir);
    await insertRows(conn, 'tail_statements', 'statements', tailInScope.flatMap((t) => t.statements), scratchDir);
    // Parquet rows get `namespace` from the path, which DuckDB already percent-decodes; tail rows hold the partition value.
    const fromPath = `CASE WHEN namespace = ${sqlString(NO_NAMESPACE)} THEN NULL ELSE namespace END AS namespace`;
    const fromTail = `CASE WHEN namespace = ${sqlString(NO_NAMESPACE)} THEN NULL ELSE url_decode(namespace) END AS namespace`;
    const fetchFor = (table: CatalogTable, only?: readonly PartitionRef[]): Promise<string[]> => {
      const wanted = only ? new Set(only.map((p) => `${p.day}/${p.namespace}`)) : undefined;
      return fetchParts(store, parts.filter((p) => !wanted || wanted.has(`${p.day}/${p.namespace}`)).map((p) => p[table]), scratchDir);
    };
    const createFrom = async (table: CatalogTable, files: readonly string[]): Promise<void> => {
      const source = partsSource(files);
      // The tail replaces whatever the catalog held for the same session (it is newer).
      const tail = `SELECT * REPLACE (${fromTail}) FROM tail_${table}`;
      const rows = source
        ? `SELECT * REPLACE (${fromPath}) FROM ${source} WHERE session_id NOT IN (SELECT session_id FROM tail_sessions) UNION ALL BY NAME ${tail}`
        : tail;
      await conn.run(`CREATE ${options.closed ? 'TABLE' : 'VIEW'} ${table} AS ${rows}`);
    };
    const load = async (table: CatalogTable, only?: readonly PartitionRef[]): Promise<void> => createFrom(table, await fetchFor(table, only));
    if (!options.lazy) {
      const [sessionFiles, statementFiles] = await Promise.all([fetchFor('sessions'), fetchFor('statements')]);
      await createFrom('sessions', sessionFiles);
      await createFrom('statements', statementFiles);
    }
    // The auditor's SQL reads the two tables only: no files, no network, no extensions.
    if (options.closed) await conn.run(`SET enable_external_access = false; SET lock_configuration = true`);
    return {
      manifest,
      tailSessions: tailInScope.length,
      load,
      async query(sql, params = []) {
        try {
          const r = params.length === 0 ? await conn.runAndReadAll(sql) : await conn.runAndReadAll(sql, params);
          return r.getRowObjectsJson() as Record<string, unknown>[];
        } catch (err) {
          throw new CatalogError(CATALOG_ERRORS.query, `catalog query failed: ${(err as Error).message}`, { cause: err });
        }
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs one SQL query over the catalog (plus the tail) and returns plain JSON rows. */
export async function queryCatalog(store: ObjectStore, sql: string, scope: CatalogScope = {}): Promise<Record<string, unknown>[]> {
  const catalog = await openCatalog(store, scope, { closed: true });
  try {
    return await catalog.query(sql);
  } finally {
    await catalog.close();
  }
}

/** `sessions query "<SQL>"`: the same as queryCatalog, named for the CLI. */
export const querySessions = queryCatalog;
