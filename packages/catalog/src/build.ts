/**
 * Compaction: brings the catalog up to date with the store. Reads only sessions the newest
 * manifest does not cover as final (new sessions, and sessions that were still open), rewrites the
 * partitions they fall in as new Parquet parts (old rows of the partition plus the changed ones),
 * uploads the parts, and only then writes a new manifest. Every key is new: nothing is overwritten.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256Hex, type ObjectStore } from '@snowtrail/recording';
import { makeRunId, partKey, type CatalogTable } from './catalog-layout.js';
import { mapLimit } from './concurrency.js';
import { copyPartition, createTable, insertRows, sqlString } from './duck.js';
import { listStoreSessionIds, readIndexedSessions } from './index-source.js';
import { CATALOG_VERSION, loadLatestManifest, writeManifest, type CatalogManifest, type ManifestPart, type ManifestPartition, type ManifestSession } from './manifest.js';
import { fetchParts } from './part-files.js';
import { rowsOfSession, type SessionRow, type StatementRow } from './rows.js';

/** Options of buildCatalog. */
export interface BuildCatalogOptions {
  /** Rebuild from the index parts alone: re-read every session and rewrite every partition, ignoring the newest manifest. */
  full?: boolean;
  /** Clock (tests). */
  now?: () => number;
  /** Progress of index reading. */
  onProgress?: (event: { phase: 'read' | 'write'; done: number; total: number }) => void;
}

/** What one run did. */
export interface BuildCatalogReport {
  /** Undefined when nothing changed (no parts and no manifest written). */
  runId?: string;
  manifestKey?: string;
  sessionsRead: number;
  sessionsChanged: number;
  partitionsWritten: number;
  sessionsCovered: number;
}

const UPLOAD_CONCURRENCY = 4;

function partitionId(day: string, namespace: string): string {
  return `${day}/${namespace}`;
}

/** Ids the run must read: not covered, or covered but not final (pure). */
export function sessionsToRead(ids: readonly string[], manifest: CatalogManifest | undefined, full: boolean): string[] {
  if (full || !manifest) return [...ids];
  return ids.filter((id) => manifest.sessions[id]?.final !== true);
}

/** Brings the store's catalog up to date; safe to re-run and to interrupt at any point. */
export async function buildCatalog(store: ObjectStore, options: BuildCatalogOptions = {}): Promise<BuildCatalogReport> {
  const now = options.now ?? Date.now;
  // A full run starts from nothing: it neither trusts nor needs the newest manifest and its parts.
  const latest = options.full ? await loadLatestManifest(store).catch(() => undefined) : await loadLatestManifest(store);
  const previous = options.full ? undefined : latest;
  const ids = await listStoreSessionIds(store);
  const toRead = sessionsToRead(ids, previous, options.full === true);
  const indexed = await readIndexedSessions(store, toRead);
  const done = indexed.length;
  options.onProgress?.({ phase: 'read', done, total: toRead.length });
  const changed = indexed.filter((s) => {
    const before = previous?.sessions[s.sessionId];
    return s.parts.length > 0 && (before === undefined || before.sha256 !== s.fingerprint.sha256 || before.parts !== s.fingerprint.parts || before.final !== s.fingerprint.final);
  });
  const report: BuildCatalogReport = { sessionsRead: done, sessionsChanged: changed.length, partitionsWritten: 0, sessionsCovered: Object.keys(previous?.sessions ?? {}).length };
  if (changed.length === 0) return report;

  const runId = makeRunId(now(), randomBytes(4).toString('hex'));
  const scratchDir = await mkdtemp(join(tmpdir(), 'snowtrail-catalog-build-'));
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const conn = await instance.connect();
    const sessionRows: SessionRow[] = [];
    const statementRows: StatementRow[] = [];
    const sessions: Record<string, ManifestSession> = { ...(previous?.sessions ?? {}) };
    for (const s of changed) {
      const rows = rowsOfSession(s);
      if (!rows) continue;
      sessionRows.push(rows.session);
      statementRows.push(...rows.statements);
      sessions[s.sessionId] = { ...s.fingerprint, day: rows.session.day, namespace: rows.session.namespace };
    }
    await createTable(conn, 'new_sessions', 'sessions');
    await createTable(conn, 'new_statements', 'statements');
    await insertRows(conn, 'new_sessions', 'sessions', sessionRows, scratchDir);
    await insertRows(conn, 'new_statements', 'statements', statementRows, scratchDir);

    const partitions = new Map<string, ManifestPartition>((previous?.partitions ?? []).map((p) => [partitionId(p.day, p.namespace), p]));
    // A session that moved partition (its index now names another namespace) is also dropped from the old one.
    const moved = changed.flatMap((s) => {
      const before = previous?.sessions[s.sessionId];
      return before ? [{ day: before.day, namespace: before.namespace }] : [];
    });
    const touched = [...new Map([...sessionRows, ...moved].map((r) => [partitionId(r.day, r.namespace), { day: r.day, namespace: r.namespace }])).values()].filter(
      (p) => sessionRows.some((r) => r.day === p.day && r.namespace === p.namespace) || partitions.has(partitionId(p.day, p.namespace)),
    );
    const written: { partition: ManifestPartition; files: Record<CatalogTable, string> }[] = [];
    for (const { day, namespace } of touched) {
      const old = partitions.get(partitionId(day, namespace));
      const oldFiles = old ? await fetchParts(store, [old.sessions, old.statements], scratchDir) : [];
      const files = {} as Record<CatalogTable, string>;
      const parts = {} as Record<CatalogTable, ManifestPart>;
      for (const [i, table] of (['sessions', 'statements'] as const).entries()) {
        const fresh = `SELECT * FROM new_${table} WHERE day = ${sqlString(day)} AND namespace = ${sqlString(namespace)}`;
        const kept = oldFiles[i]
          ? ` UNION ALL BY NAME SELECT *, NULL::DATE AS day, NULL AS namespace FROM read_parquet(${sqlString(oldFiles[i])}, hive_partitioning = false) WHERE session_id NOT IN (SELECT session_id FROM new_sessions)`
          : '';
        const path = join(scratchDir, `${table}-${day}-${written.length}.parquet`);
        const rows = await copyPartition(conn, `${fresh}${kept}`, table, runId, path);
        const body = await readFile(path);
        files[table] = path;
        parts[table] = { key: partKey(store.prefix, table, day, namespace, runId), sha256: sha256Hex(body), bytes: body.length, rows };
      }
      written.push({ partition: { day, namespace, sessions: parts.sessions, statements: parts.statements }, files });
    }
    // Parts first, manifest last: a crash in between leaves parts that no manifest names.
    let uploaded = 0;
    await mapLimit(
      written.flatMap((w) => (['sessions', 'statements'] as const).map((t) => ({ part: w.partition[t], file: w.files[t] }))),
      UPLOAD_CONCURRENCY,
      async ({ part, file }) => {
        await store.put(part.key, await readFile(file), { contentType: 'application/vnd.apache.parquet', sha256: part.sha256 });
        options.onProgress?.({ phase: 'write', done: ++uploaded, total: written.length * 2 });
      },
    );
    for (const w of written) partitions.set(partitionId(w.partition.day, w.partition.namespace), w.partition);
    const manifest: CatalogManifest = {
      version: CATALOG_VERSION,
      type: 'snowtrail.catalog.manifest',
      runId,
      previousRunId: latest?.runId ?? null,
      builtAt: new Date(now()).toISOString(),
      partitions: [...partitions.values()].sort((a, b) => partitionId(a.day, a.namespace).localeCompare(partitionId(b.day, b.namespace))),
      sessions,
    };
    const key = await writeManifest(store, manifest);
    return { ...report, runId, manifestKey: key, partitionsWritten: written.length, sessionsCovered: Object.keys(sessions).length };
  } finally {
    instance.closeSync();
    await rm(scratchDir, { recursive: true, force: true });
  }
}
