/**
 * Driver compatibility harness for snowflake-sdk (the Node driver), run in the test's process: the
 * same cases and canonical values as drivers/python, drivers/jdbc and drivers/go. The Node driver
 * reads JSON only (Snowflake answers it JSON), so both large cases are JSON for it.
 */
import { readFile } from 'node:fs/promises';
import { connect, destroy, execute, type Connection, type Statement } from '@snowtrail/devkit';
import type { CaseOutcome, HarnessConfig, HarnessReport } from '../src/run-harness.js';

interface NodeCase {
  name: string;
  kind: string;
  mode?: string;
  /** Only this driver (its report name) runs the case. */
  driver?: string;
  sql?: string;
  binds?: unknown[];
  count?: number;
  setup?: string[];
  teardown?: string[];
  rollback?: string[];
  commit?: string[];
  check?: string;
}

interface Column {
  getName(): string;
  getType(): string;
  getPrecision(): number;
  getScale(): number;
}

/** Canonical text of a value by its Snowflake type, the same for every harness. */
export function canonical(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    const iso = value.toISOString();
    if (type === 'date') return iso.slice(0, 10);
    if (type === 'timestamp_ntz') return iso.slice(0, 23);
    return `${iso.slice(0, 23)}Z`;
  }
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

function rowsOf(statement: Statement, rows: Record<string, unknown>[]): (string | null)[][] {
  const columns = statement.getColumns() as unknown as Column[];
  // With fetchAsString, snowflake-sdk 3.3.0 turns a NULL number into the text 'NULL'.
  const cell = (v: unknown, c: Column): string | null => (c.getType() === 'fixed' && v === 'NULL' ? null : canonical(v, c.getType()));
  return rows.map((r) => columns.map((c) => cell(r[c.getName()], c)));
}

async function query(conn: Connection, sql: string, extra: Record<string, unknown> = {}): Promise<(string | null)[][]> {
  // Numbers as the text they arrive in: JavaScript numbers would round 64-bit and 38-digit values.
  const { rows, statement } = await execute(conn, sql, { fetchAsString: ['Number'], ...extra });
  return rowsOf(statement, rows);
}

function multi(conn: Connection, sql: string, count: number): Promise<(string | null)[][][]> {
  return new Promise((resolve, reject) => {
    const sets: (string | null)[][][] = [];
    conn.execute({
      sqlText: sql,
      fetchAsString: ['Number'],
      parameters: { MULTI_STATEMENT_COUNT: count },
      complete: (err: Error | undefined, statement: Statement & { hasNext(): boolean; NextResult(): void }, rows: Record<string, unknown>[] | undefined) => {
        if (err) return reject(err);
        sets.push(rowsOf(statement, rows ?? []));
        if (statement.hasNext()) statement.NextResult();
        else resolve(sets);
      },
    } as never);
  });
}

async function runKind(conn: Connection, cfg: HarnessConfig, c: NodeCase): Promise<Omit<CaseOutcome, 'ok'>> {
  switch (c.kind) {
    case 'query':
      return { rows: await query(conn, c.sql!, c.binds ? { binds: c.binds } : {}) };
    case 'aggregate': {
      const rows = await new Promise<number[]>((resolve, reject) => {
        const ids: number[] = [];
        conn.execute({
          sqlText: c.sql!,
          streamResult: true,
          complete: (err: Error | undefined, statement: Statement) => {
            if (err) return reject(err);
            statement
              .streamRows()
              .on('data', (r: Record<string, number>) => ids.push(Number(Object.values(r)[0])))
              .on('error', reject)
              .on('end', () => resolve(ids));
          },
        } as never);
      });
      return { format: 'json', rows: [[String(rows.length), String(rows.reduce((a, b) => a + b, 0))]] };
    }
    case 'multi':
      return { rows: await multi(conn, c.sql!, c.count!) };
    case 'transaction': {
      await execute(conn, 'alter session set autocommit = false');
      try {
        for (const s of c.rollback ?? []) await execute(conn, s);
        await execute(conn, 'rollback');
        for (const s of c.commit ?? []) await execute(conn, s);
        await execute(conn, 'commit');
      } finally {
        await execute(conn, 'alter session set autocommit = true');
      }
      return { rows: await query(conn, c.check!) };
    }
    case 'async': {
      const { statement } = await execute(conn, c.sql!, { asyncExec: true });
      const queryId = statement.getQueryId();
      const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const getter = conn as unknown as { getResultsFromQueryId(o: Record<string, unknown>): Statement };
        getter.getResultsFromQueryId({ queryId, fetchAsString: ['Number'], complete: (err: Error | undefined, _s: Statement, r: Record<string, unknown>[]) => (err ? reject(err) : resolve(r)) });
      });
      return { rows: rows.map((r) => Object.values(r).map((v) => canonical(v, 'fixed'))) };
    }
    case 'describe': {
      const { statement } = await execute(conn, c.sql!, { describeOnly: true });
      const columns = statement.getColumns() as unknown as Column[];
      return { columns: columns.map((col) => [col.getName(), col.getType(), col.getPrecision(), col.getScale()]) };
    }
    case 'renewal':
      await fetch(`${cfg.emulatorUrl}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"expireSessions": true}' });
      return { rows: await query(conn, c.sql!) };
    case 'error':
      try {
        return { rows: await query(conn, c.sql!) };
      } catch (err) {
        const e = err as Error & { code?: string; sqlState?: string };
        return { error: { class: e.name, code: String(e.code), sqlState: String(e.sqlState) } };
      }
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

/** Runs every case of the case file on one snowflake-sdk connection. */
export async function runNodeHarness(cfg: HarnessConfig): Promise<HarnessReport> {
  const cases = JSON.parse(await readFile(cfg.casesFile, 'utf8')) as NodeCase[];
  const auth = cfg.auth.kind === 'oauth' ? { authenticator: 'OAUTH', token: cfg.auth.token } : { authenticator: 'SNOWFLAKE_JWT', privateKey: await readFile(cfg.auth.privateKeyFile, 'utf8') };
  const conn = await connect({
    accessUrl: `http://${cfg.host}:${cfg.port}`,
    account: cfg.account,
    username: cfg.user,
    database: cfg.database,
    schema: cfg.schema,
    warehouse: cfg.warehouse,
    ...auth,
  });
  const results: Record<string, CaseOutcome> = {};
  for (const c of cases) {
    if (c.mode && c.mode !== cfg.mode) continue;
    if (c.driver && c.driver !== 'snowflake-sdk') continue;
    try {
      for (const s of c.setup ?? []) await execute(conn, s);
      try {
        results[c.name] = { ok: true, ...(await runKind(conn, cfg, c)) };
      } finally {
        for (const s of c.teardown ?? []) await execute(conn, s);
      }
    } catch (err) {
      results[c.name] = { ok: false, failure: String(err) };
    }
  }
  await destroy(conn);
  const { default: snowflake } = await import('snowflake-sdk');
  return { driver: 'snowflake-sdk', version: (snowflake as unknown as { version?: string }).version ?? '3.3.0', cases: results, closed: !conn.isUp() };
}
