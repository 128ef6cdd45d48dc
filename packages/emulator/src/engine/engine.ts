/**
 * Executes planned Snowflake statements in DuckDB. Snowflake databases are DuckDB catalogs (each
 * `CREATE DATABASE` attaches an in-memory catalog with a PUBLIC schema), so `DB.SCHEMA.TABLE`
 * names work unchanged; each session has its own DuckDB connection carrying its USE state.
 */
import { DuckDBInstance, VARCHAR, type DuckDBConnection, type DuckDBResult, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { STATEMENT_TYPE_IDS, type BindValue, type RowType } from '@snowtrail/protocol';
import { SnowflakeError } from '../errors.js';
import { canceledError, mapDuckDbError } from '../sql/error-map.js';
import { columnCodec } from '../sql/encode.js';
import { quoteIdentifier } from '../sql/lexer.js';
import { isTrue } from '../session/params.js';
import { planStatement, type Plan, type SessionNames } from '../sql/translate.js';
import { ResultBuilder, type BuiltRows, type ChunkingOptions } from '../results/result-builder.js';
import type { ResultFormat } from '../results/result-format.js';
import { describeSql, qualifyTable, showSql } from './show.js';
import { bindRows } from './binds.js';
import type { UserStatementAnswer } from '../session/workload-identity-sql.js';
import { opensImplicitTransaction, runTransactionCommand, transactionCommand } from './transactions.js';
import { explainStatement, parseExplainRequest } from './explain.js';

/** The outcome of one statement: its columns, rows and statement type. */
export interface StatementOutcome {
  rowtype: RowType[];
  rows: BuiltRows;
  statementTypeId: number;
  /** The format this answer must use whatever the client asked (SHOW, DESCRIBE and CALL: JSON). */
  format?: ResultFormat;
}

/** Mutable per-session state the engine reads and changes (USE, CREATE DATABASE). */
export interface SessionState {
  names: SessionNames;
  conn: DuckDBConnection;
  /** Session parameters (ALTER SESSION), echoed in answers' `parameters`. */
  parameters?: Record<string, unknown>;
  /** The driver's CLIENT_APP_ID from login (picks the default result format). */
  clientAppId?: string;
  /** A transaction is open on the DuckDB connection (BEGIN, or AUTOCOMMIT = FALSE). */
  inTransaction?: boolean;
}

/** Inputs of one statement execution. */
export interface ExecuteInput {
  state: SessionState;
  sql: string;
  bindings?: Record<string, BindValue>;
  describeOnly?: boolean;
  chunking?: ChunkingOptions;
  /** The format the client gets (chunks are encoded in it while the result streams); default JSON. */
  resultFormat?: ResultFormat;
  signal: AbortSignal;
}

/** Snowflake functions DuckDB does not have, defined per connection. */
const SNOWFLAKE_MACROS = [
  "DATEADD(p, n, x) AS x + CAST(CAST(n AS VARCHAR) || ' ' || p AS INTERVAL)",
  "TIMESTAMPADD(p, n, x) AS x + CAST(CAST(n AS VARCHAR) || ' ' || p AS INTERVAL)",
  'TIMESTAMPDIFF(p, a, b) AS date_diff(p, a, b)',
  'TO_DATE(x) AS CAST(x AS DATE)',
  'TO_TIMESTAMP_NTZ(x) AS CAST(x AS TIMESTAMP)',
  'TO_TIMESTAMP_LTZ(x) AS CAST(x AS TIMESTAMPTZ)',
  'TO_CHAR(x) AS CAST(x AS VARCHAR)',
  'TO_VARCHAR(x) AS CAST(x AS VARCHAR)',
  'TO_NUMBER(x) AS CAST(x AS DECIMAL(38,0))',
  'TRY_TO_NUMBER(x) AS TRY_CAST(x AS DECIMAL(38,0))',
  'TO_BOOLEAN(x) AS CAST(x AS BOOLEAN)',
  'ZEROIFNULL(x) AS COALESCE(x, 0)',
  'NULLIFZERO(x) AS NULLIF(x, 0)',
  'DIV0(a, b) AS CASE WHEN b = 0 THEN 0 ELSE a / b END',
  'UUID_STRING() AS CAST(uuid() AS VARCHAR)',
];

const DDL_ID = STATEMENT_TYPE_IDS.ddl;
const SCL_ID = 0x4000;
const TCL_ID = 0x5000;

// duckdb StatementType enum values (node-bindings): INSERT 2, UPDATE 3, DELETE 5, TRANSACTION 10, MERGE_INTO 30.
const DUCK_INSERT = 2;
const DUCK_UPDATE = 3;
const DUCK_DELETE = 5;
const DUCK_TRANSACTION = 10;
const DUCK_MERGE = 30;
const DUCK_RESULT_QUERY = 3;

/** The DuckDB side of the emulator. */
export class Engine {
  /** Statements the emulator answers from its user table (workload identities); set by startEmulator. */
  userStatements: ((sql: string) => UserStatementAnswer | undefined) | undefined;

  private constructor(private readonly instance: DuckDBInstance) {}

  /** Opens an in-memory DuckDB instance. */
  static async create(): Promise<Engine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new Engine(instance);
  }

  /** A new connection (one per session). */
  async connect(): Promise<DuckDBConnection> {
    const conn = await this.instance.connect();
    // Answers announce TIMEZONE=UTC; make TIMESTAMPTZ conversions agree whatever the host's zone.
    await conn.run("SET TimeZone = 'UTC'");
    // Snowflake functions DuckDB lacks, as temporary macros: visible whatever database is in use.
    for (const macro of SNOWFLAKE_MACROS) await conn.run(`CREATE TEMP MACRO ${macro}`);
    return conn;
  }

  /** Closes the instance. */
  close(): void {
    this.instance.closeSync();
  }

  /** True when a Snowflake database (DuckDB catalog) exists. */
  async databaseExists(conn: DuckDBConnection, name: string): Promise<boolean> {
    const r = await conn.runAndReadAll('SELECT count(*) FROM duckdb_databases() WHERE database_name = $1 AND NOT internal', [name], [VARCHAR]);
    return Number(r.getRows()[0]![0]) > 0;
  }

  /** True when a schema exists in a database. */
  async schemaExists(conn: DuckDBConnection, database: string, schema: string): Promise<boolean> {
    const r = await conn.runAndReadAll('SELECT count(*) FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = $2', [database, schema], [VARCHAR, VARCHAR]);
    return Number(r.getRows()[0]![0]) > 0;
  }

  /** Points the session's DuckDB connection at its database and schema. */
  async applyUse(state: SessionState): Promise<void> {
    const { database, schema } = state.names;
    if (!database) {
      await state.conn.run('USE memory.main');
      return;
    }
    await state.conn.run(`USE ${quoteIdentifier(database)}.${quoteIdentifier(schema ?? 'main')}`);
  }

  /** Executes one statement (already split from any multi-statement text). */
  async execute(input: ExecuteInput): Promise<StatementOutcome> {
    try {
      const user = this.userStatements?.(input.sql);
      if (user) return user.kind === 'status' ? statusOutcome(user.message, DDL_ID) : await this.query(user.sql, [], [], input, 0x1000);
    } catch (err) {
      throw mapDuckDbError(err);
    }
    const explain = parseExplainRequest(input.sql);
    const plan = planStatement(explain?.statement ?? input.sql, input.state.names);
    try {
      if (explain) {
        const { rowtype, rows } = await explainStatement(explain, plan, input.state.conn, input.state.names, input.bindings);
        return { rowtype, rows: { inline: rows, chunks: [], total: rows.length }, statementTypeId: 0x1000 };
      }
      const command = transactionCommand(input.sql);
      if (command) {
        await runTransactionCommand(command, input.state);
        return statusOutcome('Statement executed successfully.', TCL_ID);
      }
      if (opensImplicitTransaction(plan.kind) && !input.state.inTransaction && !isTrue(input.state.parameters?.AUTOCOMMIT ?? true)) {
        await input.state.conn.run('BEGIN TRANSACTION');
        input.state.inTransaction = true;
      }
      return await this.executePlan(plan, input);
    } catch (err) {
      if (input.signal.aborted) throw canceledError();
      throw mapDuckDbError(err);
    }
  }

  private async executePlan(plan: Plan, input: ExecuteInput): Promise<StatementOutcome> {
    const { state } = input;
    switch (plan.kind) {
      case 'wait': {
        await sleep(plan.seconds * 1000, input.signal);
        const waited = renameOnlyColumn(statusOutcome(`waited ${plan.seconds} seconds`, 0x1000), plan.column);
        return isCall(input.sql) ? { ...waited, format: 'json' } : waited;
      }
      case 'status':
        return statusOutcome(plan.message, SCL_ID);
      case 'alterSession':
        if (state.parameters) {
          Object.assign(state.parameters, plan.set);
          for (const name of plan.unset) delete state.parameters[name];
        }
        // Turning AUTOCOMMIT back on commits the open transaction, as in Snowflake.
        if (state.inTransaction && isTrue(state.parameters?.AUTOCOMMIT ?? true)) await runTransactionCommand('commit', state);
        return statusOutcome('Statement executed successfully.', SCL_ID);
      case 'use':
        return this.use(plan, state);
      case 'createDatabase':
        return this.createDatabase(plan, state);
      case 'dropDatabase': {
        const exists = await this.databaseExists(state.conn, plan.name);
        if (!exists) {
          if (plan.ifExists) return statusOutcome(`Drop statement executed successfully (${plan.name} already dropped).`, DDL_ID);
          throw new SnowflakeError('002003', '02000', `SQL compilation error:\nDatabase '${plan.name}' does not exist or not authorized.`);
        }
        if (state.names.database === plan.name) {
          state.names.database = null;
          state.names.schema = null;
          await this.applyUse(state);
        }
        await state.conn.run(`DETACH ${quoteIdentifier(plan.name)}`);
        return statusOutcome(`${plan.name} successfully dropped.`, DDL_ID);
      }
      case 'createSchema': {
        await state.conn.run(plan.sql);
        // Snowflake makes a newly created schema the session's current schema.
        const db = plan.name.length >= 2 ? plan.name[0]! : state.names.database;
        const schema = plan.name[plan.name.length - 1]!;
        if (db) {
          state.names.database = db;
          state.names.schema = schema;
          await this.applyUse(state);
        }
        return statusOutcome(`Schema ${schema} successfully created.`, DDL_ID);
      }
      // Snowflake answers SHOW, DESCRIBE and CALL in JSON even to Arrow clients.
      case 'show':
        return this.query(showSql(plan, state.names), [], [], { ...input, resultFormat: 'json' }, 0x1000);
      case 'describe': {
        const table = qualifyTable(plan.table, state.names);
        const out = await this.query(describeSql(table), [], [], { ...input, resultFormat: 'json' }, 0x1000);
        if (out.rows.total === 0) {
          throw new SnowflakeError('002003', '42S02', `SQL compilation error:\nTable '${plan.table.join('.')}' does not exist or not authorized.`);
        }
        return out;
      }
      case 'sql':
        for (const sql of plan.before ?? []) await state.conn.run(sql);
        return this.runSql(plan.sql, isCall(input.sql) ? { ...input, resultFormat: 'json' } : input);
    }
  }

  private async use(plan: Extract<Plan, { kind: 'use' }>, state: SessionState): Promise<StatementOutcome> {
    const names = state.names;
    const [a, b] = plan.name;
    if (plan.object === 'warehouse') names.warehouse = a ?? null;
    else if (plan.object === 'role') names.role = a ?? null;
    else if (plan.object === 'database') {
      if (!a || !(await this.databaseExists(state.conn, a))) {
        throw new SnowflakeError('002043', '02000', `SQL compilation error:\nObject does not exist, or operation cannot be performed.`);
      }
      names.database = a;
      names.schema = (await this.schemaExists(state.conn, a, 'PUBLIC')) ? 'PUBLIC' : null;
      await this.applyUse(state);
    } else {
      const database = plan.name.length >= 2 ? a! : names.database;
      const schema = plan.name.length >= 2 ? b! : a!;
      if (!database || !(await this.schemaExists(state.conn, database, schema))) {
        throw new SnowflakeError('002043', '02000', `SQL compilation error:\nObject does not exist, or operation cannot be performed.`);
      }
      names.database = database;
      names.schema = schema;
      await this.applyUse(state);
    }
    return statusOutcome('Statement executed successfully.', SCL_ID);
  }

  private async createDatabase(plan: Extract<Plan, { kind: 'createDatabase' }>, state: SessionState): Promise<StatementOutcome> {
    const exists = await this.databaseExists(state.conn, plan.name);
    if (exists && plan.ifNotExists) return statusOutcome(`${plan.name} already exists, statement succeeded.`, DDL_ID);
    if (exists && !plan.orReplace) throw new SnowflakeError('002002', '42710', `SQL compilation error:\nObject '${plan.name}' already exists.`);
    if (exists) {
      if (state.names.database === plan.name) await state.conn.run('USE memory.main');
      await state.conn.run(`DETACH ${quoteIdentifier(plan.name)}`);
    }
    await state.conn.run(`ATTACH ':memory:' AS ${quoteIdentifier(plan.name)}`);
    await state.conn.run(`CREATE SCHEMA ${quoteIdentifier(plan.name)}."PUBLIC"`);
    // Snowflake makes a newly created database current, with its PUBLIC schema.
    state.names.database = plan.name;
    state.names.schema = 'PUBLIC';
    await this.applyUse(state);
    return statusOutcome(`Database ${plan.name} successfully created.`, DDL_ID);
  }

  private async runSql(sql: string, input: ExecuteInput): Promise<StatementOutcome> {
    const rows = bindRows(input.bindings);
    if (rows.length <= 1) {
      const [values, types] = rows[0] ?? [[], []];
      if (input.describeOnly) return this.describeOnly(sql, input);
      return this.query(sql, values, types, input, undefined);
    }
    // Array binds (§4.2): the statement runs once per bound row; DML counts add up.
    let changed = 0;
    let last: StatementOutcome | undefined;
    for (const [values, types] of rows) {
      if (input.signal.aborted) throw canceledError();
      last = await this.query(sql, values, types, input, undefined);
      if (isDmlId(last.statementTypeId)) changed += Number(last.rows.inline[0]?.[0] ?? 0);
    }
    if (last && isDmlId(last.statementTypeId)) return dmlOutcome(last.statementTypeId, changed);
    return last!;
  }

  private async describeOnly(sql: string, input: ExecuteInput): Promise<StatementOutcome> {
    const prepared = await input.state.conn.prepare(sql);
    const rowtype: RowType[] = [];
    for (let i = 0; i < prepared.columnCount; i++) rowtype.push(columnCodec(prepared.columnName(i), prepared.columnType(i)).rowType);
    return { rowtype, rows: { inline: [], chunks: [], total: 0 }, statementTypeId: 0x1000 };
  }

  private async query(sql: string, values: DuckDBValue[], types: DuckDBType[], input: ExecuteInput, forcedTypeId: number | undefined): Promise<StatementOutcome> {
    const { conn } = input.state;
    const onAbort = (): void => conn.interrupt();
    input.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = values.length > 0 ? await conn.stream(sql, values, types) : await conn.stream(sql);
      const st = result.statementType as number;
      if (st === DUCK_INSERT || st === DUCK_UPDATE || st === DUCK_DELETE || st === DUCK_MERGE) {
        const all = await result.getRows();
        const count = Number(all[0]?.[0] ?? result.rowsChanged ?? 0);
        return dmlOutcome(dmlTypeId(st), count);
      }
      if ((result.returnType as number) !== DUCK_RESULT_QUERY || (forcedTypeId === undefined && !returnsRows(st))) {
        await result.getRows();
        return statusOutcome(ddlMessage(sql), st === DUCK_TRANSACTION ? TCL_ID : DDL_ID);
      }
      return await this.collect(result, input, forcedTypeId ?? 0x1000);
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  }

  private async collect(result: DuckDBResult, input: ExecuteInput, statementTypeId: number): Promise<StatementOutcome> {
    const codecs = result.columnNames().map((name, i) => columnCodec(name, result.columnType(i)));
    const rowtype = codecs.map((c) => c.rowType);
    const format = input.resultFormat ?? 'json';
    const builder = new ResultBuilder(input.chunking, format === 'arrow' ? rowtype : undefined);
    for (;;) {
      if (input.signal.aborted) throw canceledError();
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const columns = chunk.getColumns();
      const n = chunk.rowCount;
      for (let r = 0; r < n; r++) {
        const row: (string | null)[] = new Array(codecs.length);
        for (let c = 0; c < codecs.length; c++) row[c] = codecs[c]!.encode(columns[c]![r]!);
        builder.add(row);
      }
      // Let compression catch up so uncompressed chunk text never piles up in memory.
      await builder.drain();
    }
    return { rowtype, rows: await builder.finish(), statementTypeId, format };
  }
}

function isCall(sql: string): boolean {
  return /^\s*CALL\b/i.test(sql);
}

// SELECT 1, EXPLAIN 4, PREPARE 6, EXECUTE 8, ANALYZE 12, PRAGMA 17, CALL 19, RELATION 22.
function returnsRows(st: number): boolean {
  return st === 1 || st === 4 || st === 8 || st === 17 || st === 19 || st === 22;
}

function isDmlId(id: number): boolean {
  return id >= 0x3000 && id < 0x4000;
}

function dmlTypeId(st: number): number {
  if (st === DUCK_INSERT) return STATEMENT_TYPE_IDS.insert;
  if (st === DUCK_UPDATE) return STATEMENT_TYPE_IDS.update;
  if (st === DUCK_DELETE) return STATEMENT_TYPE_IDS.delete;
  return STATEMENT_TYPE_IDS.merge;
}

/** The DML answer: Snowflake's count columns, which getNumUpdatedRows() adds up (§4.6). */
export function dmlOutcome(statementTypeId: number, count: number): StatementOutcome {
  const names: Record<number, string[]> = {
    [STATEMENT_TYPE_IDS.insert]: ['number of rows inserted'],
    [STATEMENT_TYPE_IDS.update]: ['number of rows updated', 'number of multi-joined rows updated'],
    [STATEMENT_TYPE_IDS.delete]: ['number of rows deleted'],
    [STATEMENT_TYPE_IDS.merge]: ['number of rows inserted', 'number of rows updated', 'number of rows deleted'],
  };
  const cols = names[statementTypeId] ?? ['number of rows inserted'];
  const rowtype = cols.map((name) => ({ ...fixedRowType(name) }));
  const row = cols.map((_n, i) => (i === 0 ? String(count) : '0'));
  return { rowtype, rows: { inline: [row], chunks: [], total: 1 }, statementTypeId };
}

function fixedRowType(name: string): RowType {
  return { name, database: '', schema: '', table: '', nullable: false, byteLength: null, length: null, type: 'fixed', scale: 0, precision: 19, collation: null };
}

/** A one-row `status` answer, as Snowflake gives for DDL and session commands. */
export function statusOutcome(message: string, statementTypeId: number): StatementOutcome {
  const rowtype: RowType[] = [
    { name: 'status', database: '', schema: '', table: '', nullable: true, byteLength: 16777216, length: 16777216, type: 'text', scale: null, precision: null, collation: null },
  ];
  return { rowtype, rows: { inline: [[message]], chunks: [], total: 1 }, statementTypeId };
}

function renameOnlyColumn(outcome: StatementOutcome, name: string): StatementOutcome {
  outcome.rowtype[0]!.name = name;
  return outcome;
}

function ddlMessage(sql: string): string {
  const m = /^\s*(CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?(?:(?:LOCAL\s+|GLOBAL\s+)?(?:TEMPORARY|TEMP|TRANSIENT|VOLATILE)\s+)?(TABLE|VIEW|SCHEMA|SEQUENCE|MACRO|FUNCTION)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([^\s(]+)/i.exec(sql);
  if (!m) return 'Statement executed successfully.';
  const object = m[2]!.toUpperCase();
  const name = m[3]!.split('.').pop()!.replace(/"/g, '');
  if (m[1]!.toUpperCase() === 'DROP') return `${name} successfully dropped.`;
  return `${object[0]}${object.slice(1).toLowerCase()} ${name} successfully created.`;
}

/** Sleeps, rejecting with the cancellation error when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(canceledError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(canceledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
