import { decide, type ClassifiedStatement, type Decision, type StatementClass, type StatementPolicy } from '@snowtrail/policy';
import { tableFromIPC } from 'apache-arrow';

/**
 * The pure half of `policy.verify: explain` (docs/adr/0067-verify-by-explain.md): which statements
 * the compiler is asked about, the tables a Snowflake `EXPLAIN USING JSON` answer says a plan scans,
 * and the policy's verdict on them.
 */

/** Reason keys of plan verification, used verbatim as metric labels and recorded with denials. */
export const PLAN_REASONS = ['plan_read_denied', 'plan_unavailable'] as const;

/** Outcomes counted in snowtrail_sidecar_plan_verifications_total. */
export const PLAN_OUTCOMES = ['allowed', ...PLAN_REASONS] as const;

/**
 * Classes that name tables without reading their data: a view's definition, metadata, grants, drops.
 * Reading a view later is verified then. Every other class that names a table it reads is verified,
 * and when Snowflake cannot EXPLAIN it (SET … = (SELECT …), for one) it is denied.
 */
const NO_DATA_READ: ReadonlySet<StatementClass> = new Set<StatementClass>(['CREATE_VIEW', 'DESCRIBE', 'SHOW', 'EXPLAIN', 'DROP', 'UNDROP', 'GRANT', 'REVOKE', 'COMMENT', 'USE']);

/** True for a read of a table or view (not a stage, an external location or an unresolved name). */
function isTableRead(name: string): boolean {
  return !name.startsWith('@') && !name.includes('://');
}

/**
 * True when a statement reads data from a table or view, itself or through a statement it runs
 * (`EXECUTE IMMEDIATE '…'`, a scripting block, a `->>` chain): then its plan is asked for.
 */
export function readsData(s: ClassifiedStatement): boolean {
  if (!NO_DATA_READ.has(s.class) && s.reads.some(isTableRead)) return true;
  return (s.inner ?? []).some(readsData);
}

/**
 * The first cell of an answer's inline rows, in either result format: JSON (`rowset`, cells as text)
 * or Arrow (`rowsetBase64`, an Arrow IPC stream — the default answer format of JDBC, the Python
 * connector and Go sessions). Undefined when there is no such cell or the Arrow bytes do not decode.
 */
export function firstInlineCell(data: { rowset?: unknown; rowsetBase64?: unknown; queryResultFormat?: unknown }): unknown {
  if (String(data.queryResultFormat ?? 'json').toLowerCase() !== 'arrow') {
    const rowset = data.rowset;
    return Array.isArray(rowset) && Array.isArray(rowset[0]) ? (rowset[0] as unknown[])[0] : undefined;
  }
  if (typeof data.rowsetBase64 !== 'string' || data.rowsetBase64 === '') return undefined;
  try {
    const table = tableFromIPC(Buffer.from(data.rowsetBase64, 'base64'));
    return table.numRows > 0 ? table.getChildAt(0)?.get(0) : undefined;
  } catch {
    return undefined;
  }
}

/** The objects a plan's scans name, or a reason why the answer is not a plan. */
export type PlanObjects = { ok: true; objects: string[] } | { ok: false; why: string };

/**
 * Reads a query-request answer to `EXPLAIN USING JSON`: one row whose one cell is the plan's JSON,
 * `Operations` a list of steps, each a list of operations. Every operation whose name ends in `Scan`
 * (TableScan, ExternalScan …) contributes its `objects`; anything else about the shape that is off
 * (failure, no inline row, undecodable Arrow, a scan without names) is not a plan.
 */
export function planObjectsOf(answer: unknown): PlanObjects {
  const a = answer as { success?: unknown; message?: unknown; data?: { rowset?: unknown; rowsetBase64?: unknown; queryResultFormat?: unknown } } | null;
  if (!a || typeof a !== 'object') return { ok: false, why: 'the answer is not JSON' };
  if (a.success !== true) return { ok: false, why: typeof a.message === 'string' ? a.message.slice(0, 300) : 'Snowflake did not compile it' };
  const cell = firstInlineCell(a.data ?? {});
  if (typeof cell !== 'string') return { ok: false, why: 'the answer carries no inline plan' };
  let plan: { Operations?: unknown };
  try {
    plan = JSON.parse(cell) as { Operations?: unknown };
  } catch {
    return { ok: false, why: 'the plan is not JSON' };
  }
  if (!Array.isArray(plan?.Operations)) return { ok: false, why: 'the plan has no Operations' };
  const objects = new Set<string>();
  for (const step of plan.Operations as unknown[]) {
    if (!Array.isArray(step)) return { ok: false, why: 'a plan step is not a list of operations' };
    for (const op of step as { operation?: unknown; objects?: unknown }[]) {
      if (!op || typeof op !== 'object' || typeof op.operation !== 'string') return { ok: false, why: 'a plan operation has no name' };
      if (!op.operation.endsWith('Scan')) continue;
      if (!Array.isArray(op.objects) || op.objects.length === 0 || !op.objects.every((o) => typeof o === 'string' && o !== '')) {
        return { ok: false, why: `a ${op.operation} names no object` };
      }
      for (const o of op.objects as string[]) objects.add(o);
    }
  }
  return { ok: true, objects: [...objects] };
}

/**
 * The policy's verdict on what a statement's plan scans: each object must be allowed for reading by
 * the rules, for the statement's class, exactly as a read in its text would be. Undefined: allowed.
 */
export function judgePlanObjects(statement: ClassifiedStatement, objects: readonly string[], policy: StatementPolicy, index: number): Decision | undefined {
  if (objects.length === 0) return undefined;
  const d = decide([{ text: statement.text, class: statement.class, reads: [...objects], writes: [] }], policy);
  if (d.action === 'allow') return undefined;
  return {
    action: 'deny',
    reasonKey: 'plan_read_denied',
    reason: `Snowflake's plan of the statement shows it reads more than its text: ${d.reason}`,
    ...(d.rule !== undefined ? { rule: d.rule } : {}),
    statementIndex: index,
    statementClass: statement.class,
  };
}

/** The denial when no plan could be had: fail closed. */
export function planUnavailable(statement: ClassifiedStatement, index: number, why: string): Decision {
  return {
    action: 'deny',
    reasonKey: 'plan_unavailable',
    reason: `the policy verifies reads with Snowflake's plan, and no plan of this ${statement.class} statement could be had (${why}); it was not run`,
    statementIndex: index,
    statementClass: statement.class,
  };
}
