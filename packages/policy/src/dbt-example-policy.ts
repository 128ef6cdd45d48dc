import type { StatementPolicyInput } from './rules-schema.js';

/**
 * The documented policy for a dbt project that reads `RAW.PUBLIC` and builds `ANALYTICS.PUBLIC`:
 * exactly what dbt-snowflake issues (transactions, `ALTER SESSION SET|UNSET QUERY_TAG`, catalog
 * `SHOW TERSE OBJECTS` / `DESCRIBE`, `EXPLAIN`, tables including temporary and transient ones, views,
 * `INSERT`, `MERGE`, `UPDATE`, `DELETE`) and nothing more. Every object read must be in one of the
 * two schemas (or be a read-only built-in function) and every object written in `ANALYTICS.PUBLIC`;
 * everything else is denied by default, and the guards deny exfiltration, dynamic SQL and
 * unresolved names whatever the rules say. The demo uses it and docs/policy.md shows it.
 */
export const DBT_EXAMPLE_POLICY: StatementPolicyInput = {
  name: 'dbt',
  defaultAction: 'deny',
  statements: [
    { name: 'session', action: 'allow', classes: ['USE', 'UNSET', 'TRANSACTION'] },
    { name: 'query-tag', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUERY_TAG'], access: 'write' },
    { name: 'catalog', action: 'allow', classes: ['SHOW', 'DESCRIBE'], objects: ['RAW.PUBLIC.*', 'ANALYTICS.PUBLIC.*'], access: 'read' },
    {
      name: 'read-sources',
      action: 'allow',
      classes: ['SELECT', 'EXPLAIN', 'SET', 'INSERT', 'MERGE', 'UPDATE', 'DELETE', 'CREATE_TABLE', 'CREATE_VIEW'],
      objects: ['RAW.PUBLIC.*', 'ANALYTICS.PUBLIC.*', 'function://read_only/*'],
      access: 'read',
    },
    { name: 'write-analytics', action: 'allow', classes: ['INSERT', 'MERGE', 'UPDATE', 'DELETE', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['ANALYTICS.PUBLIC.*'], access: 'write' },
  ],
};
