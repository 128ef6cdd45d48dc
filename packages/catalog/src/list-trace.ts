/**
 * `sessions list` and `trace` answered from the catalog. SQL narrows the rows; the exact filter of
 * the index walk (matchesFilter, and trace's own checks) then runs on what SQL returned, so the
 * answers are the walk's answers, in the walk's order.
 */
import {
  matchesFilter,
  normalizeObjectName,
  type IndexStatement,
  type ObjectStore,
  type SessionFilter,
  type SessionListing,
  type SessionSummary,
  type TraceHit,
} from '@snowtrail/recording';
import { namespacePartition } from './catalog-layout.js';
import { openCatalog, type OpenCatalog, type PartitionRef } from './query.js';

/** Options of traceFromCatalog (those of the walk's traceObject). */
export interface TraceOptions {
  since?: Date;
  until?: Date;
  relation?: 'writes' | 'reads' | 'both';
}

/** The partitions holding rows returned with `day` and (decoded) `namespace` columns (pure). */
function partitionsOf(rows: readonly Record<string, unknown>[]): PartitionRef[] {
  const out = new Map<string, PartitionRef>();
  for (const r of rows) {
    const p = { day: String(r.day), namespace: namespacePartition(typeof r.namespace === 'string' ? r.namespace : undefined) };
    out.set(`${p.day}/${p.namespace}`, p);
  }
  return [...out.values()];
}

async function statementsBySession(catalog: OpenCatalog, where: string, params: string[]): Promise<Map<string, IndexStatement[]>> {
  const out = new Map<string, IndexStatement[]>();
  for (const r of await catalog.query(`SELECT session_id, statement_json FROM statements WHERE ${where} ORDER BY session_id, seq`, params)) {
    const id = String(r.session_id);
    const list = out.get(id) ?? [];
    list.push(JSON.parse(String(r.statement_json)) as IndexStatement);
    out.set(id, list);
  }
  return out;
}

/** Lists sessions matching the filters, oldest first: the same listings as the index walk. */
export async function listSessionsFromCatalog(store: ObjectStore, filter: SessionFilter = {}): Promise<SessionListing[]> {
  const scope = { ...(filter.since ? { since: filter.since } : {}), ...(filter.until ? { until: filter.until } : {}), ...(filter.namespace ? { namespaces: [filter.namespace] } : {}) };
  const catalog = await openCatalog(store, scope, { lazy: true });
  try {
    const where: string[] = [];
    const params: string[] = [];
    const add = (sql: string, value: string): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.pod) add('pod = ?', filter.pod);
    if (filter.serviceAccount) add('service_account = ?', filter.serviceAccount);
    // NULL times (unparseable) stay in: the walk compares NaN, which never excludes.
    if (filter.since) add('(last_event_at IS NULL OR last_event_at >= CAST(? AS TIMESTAMP))', filter.since.toISOString().replace('Z', ''));
    if (filter.until) add('(started_at IS NULL OR started_at <= CAST(? AS TIMESTAMP))', filter.until.toISOString().replace('Z', ''));
    const cond = where.length > 0 ? where.join(' AND ') : 'true';
    await catalog.load('sessions');
    const rows = await catalog.query(`SELECT session_id, summary_json, day::VARCHAR AS day, namespace FROM sessions WHERE ${cond} ORDER BY session_id`, params);
    // Statements only of the partitions holding a matching session.
    await catalog.load('statements', partitionsOf(rows));
    const statements = await statementsBySession(catalog, `session_id IN (SELECT session_id FROM sessions WHERE ${cond})`, params);
    return rows
      .map((r) => ({ summary: JSON.parse(String(r.summary_json)) as SessionSummary, statements: statements.get(String(r.session_id)) ?? [] }))
      .filter((l) => matchesFilter(l, filter));
  } finally {
    await catalog.close();
  }
}

/** Every statement that wrote (or read) an object, newest first: the same hits as the index walk. */
export async function traceFromCatalog(store: ObjectStore, object: string, options: TraceOptions = {}): Promise<TraceHit[]> {
  const target = normalizeObjectName(object);
  const relation = options.relation ?? 'writes';
  const catalog = await openCatalog(store, { ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) }, { lazy: true });
  try {
    await catalog.load('statements');
    const lists = relation === 'writes' ? 'writes_norm' : relation === 'reads' ? 'reads_norm' : 'list_concat(writes_norm, reads_norm)';
    const matched = `SELECT session_id, seq, statement_json, day, namespace FROM statements WHERE list_contains(${lists}, $1) AND decision IS DISTINCT FROM 'deny'`;
    // Sessions only of the partitions holding a hit.
    await catalog.load('sessions', partitionsOf(await catalog.query(`SELECT DISTINCT day::VARCHAR AS day, namespace FROM (${matched})`, [target])));
    const rows = await catalog.query(
      `SELECT t.session_id, s.summary_json, t.statement_json FROM (${matched}) t JOIN sessions s USING (session_id) ORDER BY t.session_id, t.seq`,
      [target],
    );
    const hits: TraceHit[] = [];
    for (const r of rows) {
      const st = JSON.parse(String(r.statement_json)) as IndexStatement;
      const summary = JSON.parse(String(r.summary_json)) as SessionSummary;
      const t = st.time ? Date.parse(st.time) : 0;
      if (options.since && t < options.since.getTime()) continue;
      if (options.until && t > options.until.getTime()) continue;
      if (st.decision === 'deny') continue;
      const wrote = (st.writes ?? []).some((w) => normalizeObjectName(w) === target);
      const read = (st.reads ?? []).some((x) => normalizeObjectName(x) === target);
      if ((relation !== 'reads' && wrote) || (relation !== 'writes' && read)) {
        hits.push({ sessionId: String(r.session_id), ...(summary.identity ? { identity: summary.identity } : {}), statement: st, relation: wrote && relation !== 'reads' ? 'writes' : 'reads' });
      }
    }
    return hits.sort((a, b) => (b.statement.time ?? '').localeCompare(a.statement.time ?? '') || b.statement.seq - a.statement.seq);
  } finally {
    await catalog.close();
  }
}
