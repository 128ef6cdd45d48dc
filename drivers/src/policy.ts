/**
 * The sidecar policy of the driver suite: deny by default, allow exactly what the cases run —
 * session statements (USE, BEGIN/COMMIT/ROLLBACK, SHOW, DESCRIBE), the result-format parameter,
 * reads and writes inside the per-run databases, and reads of no table at all (`select 1`,
 * `range(n)`). `DROP` matches no rule, so the `denied` case gets the sidecar's access-control error.
 */
export const SUITE_POLICY = {
  name: 'drivers-suite',
  generation: 1,
  defaultAction: 'deny',
  statements: [
    { name: 'session', action: 'allow', classes: ['SESSION', 'SHOW', 'DESCRIBE'] },
    // QUERY_TAG: dbt tags every model's statements.
    { name: 'session-parameters', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUERY_RESULT_FORMAT', 'session://AUTOCOMMIT', 'session://QUERY_TAG'], access: 'write' },
    { name: 'read', action: 'allow', classes: ['SELECT'], objects: ['DRV_*.**'], access: 'read' },
    // JDBC and the Python connector fetch an async query's rows with RESULT_SCAN(<its query id>):
    // an object the classifier cannot name, so only a rule naming it allows it.
    { name: 'async-results', action: 'allow', classes: ['SELECT'], objects: ['unresolved://result_scan'], access: 'read' },
    { name: 'write', action: 'allow', classes: ['DML', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['DRV_*.**'] },
    // dbt's incremental models drop their temporary `<model>__dbt_tmp` view; no other DROP is allowed.
    { name: 'dbt-tmp-drop', action: 'allow', classes: ['DROP'], objects: ['DRV_*.*.*__DBT_TMP'] },
  ],
  limits: {},
} as const;
