/**
 * Maps DuckDB error messages to Snowflake codes, SQL states and messages (docs/protocol.md §4.5).
 * DuckDB errors carry no code, only a typed message prefix such as "Parser Error: ...".
 */
import { SF_CODES, SQL_STATES } from '@snowtrail/protocol';
import { SnowflakeError } from '../errors.js';

interface Rule {
  test: RegExp;
  build: (m: RegExpExecArray, detail: string) => SnowflakeError;
}

const compile = (s: string): string => `SQL compilation error:\n${s}`;

const RULES: Rule[] = [
  { test: /^Parser Error: (.*)/s, build: (_m, d) => new SnowflakeError(SF_CODES.syntaxError, SQL_STATES.syntaxError, compile(`syntax error: ${d}`)) },
  {
    test: /^Catalog Error: (?:Table|View|Table Function) with name (\S+?) does not exist/s,
    build: (m) => new SnowflakeError(SF_CODES.objectMissing, SQL_STATES.objectMissing, compile(`Object '${m[1]}' does not exist or not authorized.`)),
  },
  {
    test: /^Catalog Error: Schema with name (\S+?) does not exist/s,
    build: (m) => new SnowflakeError(SF_CODES.objectMissing, '02000', compile(`Schema '${m[1]}' does not exist or not authorized.`)),
  },
  {
    test: /^Catalog Error: (?:Catalog|Database) (?:with name )?"?(\S+?)"? does not exist/s,
    build: (m) => new SnowflakeError(SF_CODES.objectMissing, '02000', compile(`Database '${m[1]}' does not exist or not authorized.`)),
  },
  {
    test: /^Catalog Error: (?:Scalar Function|Aggregate Function|Function|Macro Function|Table Function) with name (\S+?) does not exist/s,
    build: (m) => new SnowflakeError('002140', '42601', compile(`Unknown function ${m[1]!.toUpperCase()}`)),
  },
  {
    test: /^Catalog Error: Type with name (\S+?) does not exist/s,
    build: (m) => new SnowflakeError('002040', '42601', compile(`Unsupported data type '${m[1]}'.`)),
  },
  {
    test: /^Catalog Error: .*?with name "?([^"\s]+)"? already exists/s,
    build: (m) => new SnowflakeError('002002', '42710', compile(`Object '${m[1]}' already exists.`)),
  },
  {
    test: /^Binder Error: Referenced column "?([^"\s]+)"? not found/s,
    build: (m) => new SnowflakeError('000904', SQL_STATES.syntaxError, compile(`error line 1 at position 0\ninvalid identifier '${m[1]}'`)),
  },
  {
    test: /^Binder Error: (?:No function matches|Could not choose a best candidate function)(.*)/s,
    build: (_m, d) => new SnowflakeError('001044', SQL_STATES.syntaxError, compile(`Invalid argument types for function: ${d}`)),
  },
  { test: /^(?:Binder|Catalog) Error: (.*)/s, build: (_m, d) => new SnowflakeError('002003', SQL_STATES.syntaxError, compile(d)) },
  { test: /^Conversion Error: (.*)/s, build: (_m, d) => new SnowflakeError('100038', '22018', d) },
  { test: /^Out of Range Error: (.*)/s, build: (_m, d) => new SnowflakeError('100046', '22003', `Number out of representable range: ${d}`) },
  {
    test: /^Constraint Error: NOT NULL constraint failed: (.*)/s,
    build: () => new SnowflakeError(SF_CODES.notNullViolation, '22000', 'NULL result in a non-nullable column'),
  },
  { test: /^Constraint Error: (.*)/s, build: (_m, d) => new SnowflakeError(SF_CODES.uniqueViolation, SQL_STATES.integrityViolation, d) },
  { test: /^Invalid Input Error: (.*JSON.*)/s, build: (_m, d) => new SnowflakeError('100069', '22P02', `Error parsing JSON: ${d}`) },
  { test: /^Invalid Input Error: (.*)/s, build: (_m, d) => new SnowflakeError('100071', SQL_STATES.dataException, d) },
  { test: /^INTERRUPT Error/i, build: () => canceledError() },
  { test: /^Not implemented Error: (.*)/s, build: (_m, d) => new SnowflakeError('000002', '0A000', `Unsupported feature '${d}'.`) },
  { test: /^TransactionContext Error: (.*)/s, build: (_m, d) => new SnowflakeError('000603', SQL_STATES.internal, d) },
];

/** The cancellation error the pending poll gets after an abort (§8.1). */
export function canceledError(): SnowflakeError {
  return new SnowflakeError(SF_CODES.statementCanceled, SQL_STATES.canceled, 'SQL execution canceled');
}

/** Turns any error thrown by DuckDB into a SnowflakeError; SnowflakeErrors pass through. */
export function mapDuckDbError(err: unknown): SnowflakeError {
  if (err instanceof SnowflakeError) return err;
  // Not `instanceof Error`: native errors can come from another realm (jest's VM contexts).
  const raw = typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
  // DuckDB appends "LINE 1: ..." context and suggestions, and wraps some errors in "Failed to ...: ".
  const message = raw
    .split(/\n\s*\n|\nLINE \d+:|\n\s*Candidate functions:/)[0]!
    .replace(/^(?:Error: )?(?:Failed to [\w ]+?: )*/, '')
    .trim();
  for (const rule of RULES) {
    const m = rule.test.exec(message);
    if (m) return rule.build(m, (m[1] ?? '').trim());
  }
  return new SnowflakeError(SF_CODES.internalError, SQL_STATES.internal, `Processing aborted due to error: ${message}`);
}
