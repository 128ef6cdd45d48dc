/**
 * `EXPLAIN [USING {JSON | TEXT | TABULAR}] <statement>` in Snowflake's JSON shape, built from
 * DuckDB's own plan of the translated statement: compiled, never executed. DuckDB's unoptimised
 * logical plan is used so that every table the statement references stays visible (the optimiser
 * folds scans of empty tables away), and views are expanded into the tables they select from, as
 * Snowflake's plan shows the base tables of a view. See docs/adr/0067-verify-by-explain.md.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { BindValue, RowType } from '@snowtrail/protocol';
import { SF_CODES, SQL_STATES } from '@snowtrail/protocol';
import { SnowflakeError } from '../errors.js';
import { isSignificant, tokenize } from '../sql/lexer.js';
import type { Plan, SessionNames } from '../sql/translate.js';
import { bindRows } from './binds.js';

/** An EXPLAIN request: the output format and the statement to explain. */
export interface ExplainRequest {
  format: string;
  statement: string;
}

/** One node of DuckDB's JSON plan. */
export interface DuckPlanNode {
  name: string;
  children?: DuckPlanNode[];
  extra_info?: Record<string, string | string[]>;
}

/** One operation of Snowflake's JSON plan. */
export interface SnowflakeOperation {
  id: number;
  operation: string;
  objects?: string[];
  expressions?: string[];
  parentOperators?: number[];
  partitionsAssigned?: number;
  partitionsTotal?: number;
  bytesAssigned?: number;
}

/** Snowflake's `EXPLAIN USING JSON` document. */
export interface SnowflakeExplain {
  GlobalStats: { partitionsTotal: number; partitionsAssigned: number; bytesAssigned: number };
  Operations: SnowflakeOperation[][];
}

/** DuckDB logical operators → Snowflake's operation names; others are title-cased. */
const OPERATIONS: Record<string, string> = {
  PROJECTION: 'Projection',
  FILTER: 'Filter',
  SEQ_SCAN: 'TableScan',
  COMPARISON_JOIN: 'Join',
  JOIN: 'Join',
  ANY_JOIN: 'Join',
  ASOF_JOIN: 'Join',
  DELIM_JOIN: 'Join',
  DEPENDENT_JOIN: 'Join',
  CROSS_PRODUCT: 'CartesianJoin',
  AGGREGATE: 'Aggregate',
  ORDER_BY: 'Sort',
  TOP_N: 'SortWithLimit',
  LIMIT: 'Limit',
  UNION: 'UnionAll',
  WINDOW: 'WindowFunction',
  UNNEST: 'Flatten',
  EXPRESSION_GET: 'ValuesClause',
  CTE_REF: 'WithReference',
  MATERIALIZED_CTE: 'WithClause',
  INSERT: 'Insert',
  UPDATE: 'Update',
  DELETE: 'Delete',
  MERGE_INTO: 'Merge',
  CREATE_TABLE: 'CreateTableAsSelect',
};

/** Operators that stand for no Snowflake operation (the empty input of `SELECT 1`). */
const DROPPED = new Set(['DUMMY_SCAN']);

/** Extra-info keys whose values are the operation's expressions. */
const EXPRESSION_KEYS = ['Expressions', 'Conditions', 'Filters', 'Aggregates', 'Groups'];

const PLAIN = /^[A-Z_][A-Z0-9_$]*$/;

/** Parses `EXPLAIN [USING fmt] <statement>`; undefined when the text is not an EXPLAIN. */
export function parseExplainRequest(sql: string): ExplainRequest | undefined {
  const tokens = tokenize(sql);
  const next = (from: number): number => {
    let i = from;
    while (i < tokens.length && !isSignificant(tokens[i]!)) i++;
    return i;
  };
  const word = (i: number): string | undefined => (tokens[i]?.kind === 'word' ? tokens[i]!.text.toUpperCase() : undefined);
  let i = next(0);
  if (word(i) !== 'EXPLAIN') return undefined;
  i = next(i + 1);
  let format = 'TABULAR';
  if (word(i) === 'USING') {
    const f = next(i + 1);
    format = word(f) ?? '';
    i = next(f + 1);
  }
  return { format, statement: tokens.slice(i).map((t) => t.text).join('').trim() };
}

/** Splits a DuckDB-rendered qualified name (`RAW."SECRET".T`) into its exact parts. */
export function splitDuckName(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '"' && text[j + 1] === '"') value += text[j++];
        else if (text[j] === '"') break;
        else value += text[j];
      }
      parts.push(value);
      i = j + 2;
    } else {
      const dot = text.indexOf('.', i);
      parts.push(text.slice(i, dot === -1 ? text.length : dot));
      i = dot === -1 ? text.length + 1 : dot + 1;
    }
  }
  return parts;
}

/** Renders a table's name as Snowflake shows it: `DB.SCHEMA.TABLE`, parts quoted unless plain upper case. */
export function snowflakeTableName(duckName: string, names: Pick<SessionNames, 'database' | 'schema'>): string {
  let parts = splitDuckName(duckName);
  // Temporary tables live in DuckDB's `temp.main`; Snowflake names them in the session's schema.
  if (parts.length === 3 && parts[0] === 'temp' && names.database && names.schema) parts = [names.database, names.schema, parts[2]!];
  if (parts.length === 1 && names.schema) parts = [names.schema, ...parts];
  if (parts.length === 2 && names.database) parts = [names.database, ...parts];
  return parts.map((p) => (PLAIN.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.');
}

function expressionsOf(info: Record<string, string | string[]>): string[] {
  const out: string[] = [];
  for (const key of EXPRESSION_KEYS) {
    const v = info[key];
    for (const e of Array.isArray(v) ? v : v === undefined ? [] : [v]) if (e.trim() !== '') out.push(e);
  }
  return out;
}

function operationName(node: DuckPlanNode): string {
  const mapped = OPERATIONS[node.name];
  if (mapped) return mapped;
  return node.name
    .toLowerCase()
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join('');
}

/** Maps DuckDB's plan tree to Snowflake's operations: pre-order ids, a `Result` on top. */
export function snowflakePlan(roots: DuckPlanNode[], names: Pick<SessionNames, 'database' | 'schema'>): SnowflakeExplain {
  const ops: SnowflakeOperation[] = [];
  const visit = (node: DuckPlanNode, parent: number | undefined): void => {
    if (DROPPED.has(node.name)) return;
    const info = node.extra_info ?? {};
    const op: SnowflakeOperation = { id: ops.length, operation: parent === undefined && node.name === 'PROJECTION' ? 'Result' : operationName(node) };
    const table = info.Table;
    if (typeof table === 'string' && table !== '') {
      op.operation = 'TableScan';
      op.objects = [snowflakeTableName(table, names)];
    }
    const expressions = expressionsOf(info);
    if (expressions.length > 0) op.expressions = expressions;
    if (parent !== undefined) op.parentOperators = [parent];
    if (op.operation === 'TableScan') Object.assign(op, { partitionsAssigned: 0, partitionsTotal: 0, bytesAssigned: 0 });
    ops.push(op);
    for (const child of node.children ?? []) visit(child, op.id);
  };
  for (const root of roots) visit(root, undefined);
  if (ops.length === 0) ops.push({ id: 0, operation: 'Result' });
  return { GlobalStats: { partitionsTotal: 0, partitionsAssigned: 0, bytesAssigned: 0 }, Operations: [ops] };
}

const textColumn = (name: string): RowType => ({ name, database: '', schema: '', table: '', nullable: true, byteLength: 16777216, length: 16777216, type: 'text', scale: null, precision: null, collation: null });
const fixedColumn = (name: string): RowType => ({ name, database: '', schema: '', table: '', nullable: true, byteLength: null, length: null, type: 'fixed', scale: 0, precision: 38, collation: null });

/** The columns of `EXPLAIN USING TABULAR` (Snowflake's, in its order). */
const TABULAR_COLUMNS: RowType[] = [
  fixedColumn('step'), fixedColumn('id'), textColumn('parentOperators'), textColumn('operation'), textColumn('objects'), textColumn('alias'),
  textColumn('expressions'), fixedColumn('partitionsTotal'), fixedColumn('partitionsAssigned'), fixedColumn('bytesAssigned'),
];

/** An answer: its columns and rows (cells as Snowflake's JSON result text). */
export interface ExplainAnswer {
  rowtype: RowType[];
  rows: (string | null)[][];
}

const num = (n: number | undefined): string | null => (n === undefined ? null : String(n));

/** Snowflake's plan in the requested format: JSON (one `content` cell), TABULAR (a row an operation) or TEXT. */
export function formatExplain(format: string, plan: SnowflakeExplain): ExplainAnswer {
  if (format === 'JSON') return { rowtype: [textColumn('content')], rows: [[JSON.stringify(plan)]] };
  const g = plan.GlobalStats;
  if (format === 'TABULAR') {
    const rows: (string | null)[][] = [[null, null, null, 'GlobalStats', null, null, null, num(g.partitionsTotal), num(g.partitionsAssigned), num(g.bytesAssigned)]];
    plan.Operations.forEach((step, s) => {
      for (const op of step) {
        rows.push([String(s + 1), String(op.id), op.parentOperators ? `[${op.parentOperators.join(', ')}]` : null, op.operation, op.objects?.join(', ') ?? null, null, op.expressions?.join(', ') ?? null, num(op.partitionsTotal), num(op.partitionsAssigned), num(op.bytesAssigned)]);
      }
    });
    return { rowtype: TABULAR_COLUMNS.map((c) => ({ ...c })), rows };
  }
  const lines = ['GlobalStats:', `    partitionsTotal=${g.partitionsTotal}`, `    partitionsAssigned=${g.partitionsAssigned}`, `    bytesAssigned=${g.bytesAssigned}`, 'Operations:'];
  plan.Operations.forEach((step, s) => {
    const depth = new Map<number, number>();
    for (const op of step) {
      const d = op.parentOperators ? (depth.get(op.parentOperators[0]!) ?? 0) + 1 : 0;
      depth.set(op.id, d);
      const details = [...(op.objects ?? []), ...(op.expressions ?? [])].join(', ');
      lines.push(`${s + 1}:${op.id}${' '.repeat(5 + 4 * d)}->${op.operation}${details ? `  ${details}` : ''}`);
    }
  });
  return { rowtype: [textColumn('content')], rows: [[lines.join('\n')]] };
}

/** Compiles a planned statement in DuckDB (never runs it) and answers Snowflake's plan in the requested format. */
export async function explainStatement(request: ExplainRequest, plan: Plan, conn: DuckDBConnection, names: SessionNames, bindings?: Record<string, BindValue>): Promise<ExplainAnswer> {
  if (request.format !== 'JSON' && request.format !== 'TABULAR' && request.format !== 'TEXT') {
    throw new SnowflakeError(SF_CODES.syntaxError, SQL_STATES.syntaxError, `SQL compilation error:\nsyntax error: unexpected EXPLAIN format '${request.format}'.`);
  }
  if (plan.kind !== 'sql') {
    throw new SnowflakeError(SF_CODES.syntaxError, SQL_STATES.syntaxError, 'SQL compilation error:\nEXPLAIN applies to queries and DML only.');
  }
  const [values, types] = bindRows(bindings)[0] ?? [[], []];
  await conn.run("SET explain_output = 'all'");
  try {
    const sql = `EXPLAIN (FORMAT JSON) ${plan.sql}`;
    const result = values.length > 0 ? await conn.runAndReadAll(sql, values, types) : await conn.runAndReadAll(sql);
    const logical = result.getRows().find((r) => r[0] === 'logical_plan');
    if (!logical) throw new SnowflakeError(SF_CODES.syntaxError, SQL_STATES.syntaxError, 'SQL compilation error:\nthe statement has no plan.');
    return formatExplain(request.format, snowflakePlan(JSON.parse(String(logical[1])) as DuckPlanNode[], names));
  } finally {
    await conn.run('RESET explain_output');
  }
}
