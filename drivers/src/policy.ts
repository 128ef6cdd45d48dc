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
    { name: 'result-format', action: 'allow', classes: ['ALTER_OTHER'], objects: ['session://QUERY_RESULT_FORMAT', 'session://AUTOCOMMIT'], access: 'write' },
    { name: 'read', action: 'allow', classes: ['SELECT'], objects: ['DRV_*.**'], access: 'read' },
    { name: 'write', action: 'allow', classes: ['DML', 'CREATE_TABLE'], objects: ['DRV_*.**'] },
  ],
  limits: {},
} as const;
