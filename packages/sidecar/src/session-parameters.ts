/**
 * Session parameters a client sets outside SQL — login `SESSION_PARAMETERS` and a query request's
 * `parameters` — judged like the `ALTER SESSION SET` they are equivalent to (ADR 0028). The drivers'
 * own parameters (result formats, keep-alive, output formats, QUERY_TAG, …) are accepted as they are;
 * any other parameter is synthesised as `ALTER SESSION SET <name> = <value>`, run through the
 * policy's classifier and decide, and accepted only when a rule explicitly allows it — SEARCH_PATH,
 * QUOTED_IDENTIFIERS_IGNORE_CASE and the like would otherwise change how later statements are
 * classified without a statement ever saying so.
 */
import { classifySql, decide, type Decision, type StatementPolicy } from '@snowtrail/policy';

/**
 * Parameters drivers set themselves and which change only how results are encoded or shown, how the
 * client behaves, or a tag: never which objects a name resolves to. Sources: snowflake-sdk 3.3.0
 * lib/services/sf.js (login SESSION_PARAMETERS) and lib/connection/statement.js (MULTI_STATEMENT_COUNT);
 * gosnowflake connection.go / query.go (GO_QUERY_RESULT_FORMAT, CLIENT_*); snowflake-jdbc
 * SFSessionProperty (JDBC_QUERY_RESULT_FORMAT, CLIENT_*) and SFStatement.setUseNewSqlFormat
 * (NEW_SQL_FORMAT, a statement parameter JDBC 4.x sends); snowflake-connector-python
 * (PYTHON_CONNECTOR_QUERY_RESULT_FORMAT).
 */
export const DRIVER_SESSION_PARAMETERS: ReadonlySet<string> = new Set([
  'CLIENT_SESSION_KEEP_ALIVE',
  'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY',
  'CLIENT_REQUEST_MFA_TOKEN',
  'CLIENT_STORE_TEMPORARY_CREDENTIAL',
  'CLIENT_PREFETCH_THREADS',
  'CLIENT_RESULT_CHUNK_SIZE',
  'CLIENT_MEMORY_LIMIT',
  'CLIENT_TIMESTAMP_TYPE_MAPPING',
  'CLIENT_RESULT_COLUMN_CASE_INSENSITIVE',
  'CLIENT_HONOR_CLIENT_TZ_FOR_TIMESTAMP_NTZ',
  'CLIENT_TELEMETRY_ENABLED',
  'CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED',
  'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD',
  'CLIENT_VALIDATE_DEFAULT_PARAMETERS',
  'GCS_USE_DOWNSCOPED_CREDENTIAL',
  'JS_TREAT_INTEGER_AS_BIGINT',
  'GO_QUERY_RESULT_FORMAT',
  'JDBC_QUERY_RESULT_FORMAT',
  'ODBC_QUERY_RESULT_FORMAT',
  'PYTHON_CONNECTOR_QUERY_RESULT_FORMAT',
  'MULTI_STATEMENT_COUNT',
  'NEW_SQL_FORMAT',
  'QUERY_TAG',
  'TIMEZONE',
  'DATE_OUTPUT_FORMAT',
  'TIME_OUTPUT_FORMAT',
  'TIMESTAMP_OUTPUT_FORMAT',
  'TIMESTAMP_LTZ_OUTPUT_FORMAT',
  'TIMESTAMP_NTZ_OUTPUT_FORMAT',
  'TIMESTAMP_TZ_OUTPUT_FORMAT',
  'BINARY_OUTPUT_FORMAT',
]);

/**
 * Driver-internal telemetry the drivers put among the login's session parameters, under names that
 * are not identifiers (so they cannot be spelled as ALTER SESSION). Accepted as sent: they describe
 * the connection to Snowflake's telemetry and change nothing a statement sees. Source:
 * snowflake-jdbc 4.x SessionUtil (`_snowflake.internal.connectionIdentifierShape`).
 */
export const DRIVER_INTERNAL_PARAMETERS: ReadonlySet<string> = new Set(['_SNOWFLAKE.INTERNAL.CONNECTIONIDENTIFIERSHAPE']);

/** What a parameter name must look like before it is spelled into SQL. */
const PARAMETER_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/** The outcome of judging a set of parameters. */
export type ParameterJudgement = { ok: true; accepted: Record<string, unknown> } | { ok: false; name: string; decision: Decision };

/** A scalar value as a SQL literal (strings quoted, `'` doubled). */
function sqlLiteral(value: string | number | boolean): string {
  return typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value);
}

function denied(name: string, reasonKey: string, reason: string, rule?: string): ParameterJudgement {
  return { ok: false, name, decision: { action: 'deny', reasonKey, reason, ...(rule ? { rule } : {}), statementClass: 'ALTER_OTHER' } };
}

/** Judges one parameter; undefined when accepted. */
function judgeOne(name: string, value: unknown, policy: StatementPolicy): ParameterJudgement | undefined {
  // Their values are the driver's own small JSON (a string or an object describing the connection).
  if (DRIVER_INTERNAL_PARAMETERS.has(name) && value !== undefined && JSON.stringify(value).length <= 4096) return undefined;
  if (!PARAMETER_NAME.test(name)) return denied(name.slice(0, 64), 'session_parameter_denied', `a session parameter name must be a plain identifier (got ${JSON.stringify(name.slice(0, 64))})`);
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return denied(name, 'session_parameter_denied', `session parameter ${name} must have a string, number or boolean value`);
  }
  if (DRIVER_SESSION_PARAMETERS.has(name)) return undefined;
  const statement = value === null ? `ALTER SESSION UNSET ${name}` : `ALTER SESSION SET ${name} = ${sqlLiteral(value)}`;
  let decision: Decision;
  try {
    decision = decide(classifySql(statement, {}), policy);
  } catch {
    return denied(name, 'session_parameter_denied', `session parameter ${name} could not be judged`);
  }
  if (decision.action === 'deny') return { ok: false, name, decision: { ...decision, reason: `session parameter ${name}: ${decision.reason}` } };
  if (decision.rule === undefined) {
    return denied(name, 'session_parameter_denied', `session parameter ${name} is not one a driver sets itself, and no rule allows setting it (ALTER_OTHER on session://${name})`);
  }
  return undefined;
}

/**
 * Judges a client's session parameters (names upper-cased, as Snowflake treats them). Accepted
 * parameters come back with their upper-case names, to be forwarded and recorded.
 */
export function judgeSessionParameters(parameters: unknown, policy: StatementPolicy): ParameterJudgement {
  if (parameters === undefined || parameters === null) return { ok: true, accepted: {} };
  if (typeof parameters !== 'object' || Array.isArray(parameters)) return denied('(parameters)', 'session_parameter_denied', 'session parameters must be a JSON object');
  const accepted: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(parameters)) {
    const name = raw.toUpperCase();
    if (name in accepted) return denied(name, 'session_parameter_denied', `session parameter ${name} is given twice`);
    const refusal = judgeOne(name, value, policy);
    if (refusal) return refusal;
    accepted[name] = value;
  }
  return { ok: true, accepted };
}
