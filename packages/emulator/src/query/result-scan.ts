/**
 * `RESULT_SCAN('<query id>')` and `LAST_QUERY_ID()`: what the Python connector's
 * `get_results_from_sfqid` and snowflake-jdbc's async result sets run
 * (`SELECT * FROM TABLE(RESULT_SCAN('<id>'))`), answered from the stored result of that query.
 * Only the whole-result form is supported; filtering a RESULT_SCAN is not.
 */
import { SF_CODES } from '@snowtrail/protocol';
import { SnowflakeError } from '../errors.js';

const RESULT_SCAN = /^\s*SELECT\s+\*\s+FROM\s+TABLE\s*\(\s*RESULT_SCAN\s*\(\s*'([^']+)'\s*\)\s*\)\s*;?\s*$/i;
const LAST_QUERY_ID = /\bLAST_QUERY_ID\s*\(\s*(-?\d+)?\s*\)/gi;

/** The query id a whole-result RESULT_SCAN reads, or undefined for any other statement. */
export function resultScanTarget(sql: string): string | undefined {
  return RESULT_SCAN.exec(sql)?.[1]?.toLowerCase();
}

/**
 * Replaces `LAST_QUERY_ID([n])` by the id it names, quoted, or NULL: n < 0 counts back from the
 * latest query of the session before this one (default -1), n > 0 counts from its first.
 */
export function resolveLastQueryId(sql: string, earlierIds: string[]): string {
  return sql.replace(LAST_QUERY_ID, (_m, arg: string | undefined) => {
    const n = arg === undefined ? -1 : Number(arg);
    const id = n < 0 ? earlierIds[earlierIds.length + n] : n > 0 ? earlierIds[n - 1] : undefined;
    return id ? `'${id}'` : 'NULL';
  });
}

/** The error of a RESULT_SCAN whose query is unknown, failed or expired. */
export function resultNotFound(id: string): SnowflakeError {
  return new SnowflakeError(SF_CODES.resultNotFound, '02000', `Statement ${id} not found`);
}
