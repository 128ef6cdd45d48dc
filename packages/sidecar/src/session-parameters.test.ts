import { describe, expect, it } from '@jest/globals';
import { statementPolicySchema } from '@snowtrail/policy';
import { judgeSessionParameters } from './session-parameters.js';

const allowAll = statementPolicySchema.parse({ defaultAction: 'allow' });
const withRule = statementPolicySchema.parse({
  defaultAction: 'allow',
  statements: [{ name: 'case-insensitive-ids', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUOTED_IDENTIFIERS_IGNORE_CASE'] }],
});

describe('judgeSessionParameters', () => {
  it('accepts the drivers\' own parameters, upper-casing their names', () => {
    expect(judgeSessionParameters({ client_session_keep_alive: true, QUERY_TAG: "etl 'nightly'", TIMEZONE: 'UTC', MULTI_STATEMENT_COUNT: 2, JDBC_QUERY_RESULT_FORMAT: 'JSON' }, allowAll)).toEqual({
      ok: true,
      accepted: { CLIENT_SESSION_KEEP_ALIVE: true, QUERY_TAG: "etl 'nightly'", TIMEZONE: 'UTC', MULTI_STATEMENT_COUNT: 2, JDBC_QUERY_RESULT_FORMAT: 'JSON' },
    });
    expect(judgeSessionParameters(undefined, allowAll)).toEqual({ ok: true, accepted: {} });
  });

  it('accepts the drivers\' internal telemetry parameters that are not identifiers (JDBC 4.x), and nothing else shaped like them', () => {
    expect(judgeSessionParameters({ '_snowflake.internal.connectionIdentifierShape': 'shape-v1' }, allowAll)).toEqual({ ok: true, accepted: { '_SNOWFLAKE.INTERNAL.CONNECTIONIDENTIFIERSHAPE': 'shape-v1' } });
    expect(judgeSessionParameters({ '_snowflake.internal.searchPath': 'x' }, allowAll)).toMatchObject({ ok: false, decision: { reasonKey: 'session_parameter_denied' } });
    expect(judgeSessionParameters({ '_snowflake.internal.connectionIdentifierShape': { host: 'h', port: 1 } }, allowAll)).toMatchObject({ ok: true });
    expect(judgeSessionParameters({ '_snowflake.internal.connectionIdentifierShape': 'x'.repeat(5000) }, allowAll)).toMatchObject({ ok: false });
  });

  it('denies SEARCH_PATH as the policy denies the statement', () => {
    expect(judgeSessionParameters({ SEARCH_PATH: 'secret.s' }, allowAll)).toMatchObject({ ok: false, name: 'SEARCH_PATH', decision: { action: 'deny', reasonKey: 'search_path_denied' } });
  });

  it('denies other parameters a default allows, unless a rule allows them', () => {
    expect(judgeSessionParameters({ TIMESTAMP_INPUT_FORMAT: 'AUTO' }, allowAll)).toMatchObject({
      ok: false,
      decision: { reasonKey: 'session_parameter_denied', reason: 'session parameter TIMESTAMP_INPUT_FORMAT is not one a driver sets itself, and no rule allows setting it (ALTER_OTHER on session://TIMESTAMP_INPUT_FORMAT)' },
    });
    // The identifier-case switch gets the policy's own, more specific reason.
    expect(judgeSessionParameters({ QUOTED_IDENTIFIERS_IGNORE_CASE: true }, allowAll)).toMatchObject({ ok: false, decision: { action: 'deny', reasonKey: 'identifier_case_denied' } });
    expect(judgeSessionParameters({ QUOTED_IDENTIFIERS_IGNORE_CASE: true }, withRule)).toEqual({ ok: true, accepted: { QUOTED_IDENTIFIERS_IGNORE_CASE: true } });
  });

  it.each([
    ['a name smuggling SQL', { "X = 1; DROP TABLE t; --": 1 }],
    ['an object value', { QUERY_TAG: { nested: true } }],
    ['the same name twice in two spellings', { query_tag: 'a', QUERY_TAG: 'b' }],
    ['not an object', ['SEARCH_PATH']],
  ])('denies %s', (_name, params) => {
    expect(judgeSessionParameters(params, allowAll)).toMatchObject({ ok: false, decision: { action: 'deny', reasonKey: 'session_parameter_denied' } });
  });
});
