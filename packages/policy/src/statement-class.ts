/**
 * The statement classes the classifier assigns and policy rules name. A public contract: the
 * sidecar config, the CRD and the recording all use these strings verbatim.
 */
export const STATEMENT_CLASSES = [
  'SELECT',
  'INSERT',
  'MULTI_INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'TRUNCATE',
  'COPY_INTO_TABLE',
  'COPY_INTO_LOCATION',
  'PUT',
  'GET',
  'LIST',
  'REMOVE',
  'CREATE_TABLE',
  'CREATE_VIEW',
  'CREATE_SCHEMA',
  'CREATE_DATABASE',
  'CREATE_STAGE',
  'ALTER_STAGE',
  'CREATE_INTEGRATION',
  'ALTER_INTEGRATION',
  'CREATE_SHARE',
  'ALTER_SHARE',
  'CREATE_FUNCTION',
  'CREATE_PROCEDURE',
  'CREATE_TASK',
  'CREATE_PIPE',
  'CREATE_USER',
  'CREATE_ROLE',
  'CREATE_OTHER',
  'ALTER_TABLE',
  'ALTER_USER',
  'ALTER_OTHER',
  'DROP',
  'UNDROP',
  'GRANT',
  'REVOKE',
  'EXECUTE_IMMEDIATE',
  'EXECUTE_TASK',
  'CALL',
  'USE',
  'SHOW',
  'DESCRIBE',
  'EXPLAIN',
  'SET',
  'UNSET',
  'TRANSACTION',
  'COMMENT',
  'OTHER',
] as const;

/** One statement class. */
export type StatementClass = (typeof STATEMENT_CLASSES)[number];

/**
 * Named groups a rule may use instead of listing classes one by one. `EXFILTRATION` is the set
 * that moves data out of Snowflake or opens a path for it to leave, denied unless a rule allows it.
 */
export const STATEMENT_GROUPS = {
  READ: ['SELECT', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'LIST'],
  DML: ['INSERT', 'MULTI_INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'COPY_INTO_TABLE'],
  DDL: [
    'CREATE_TABLE', 'CREATE_VIEW', 'CREATE_SCHEMA', 'CREATE_DATABASE', 'CREATE_STAGE', 'ALTER_STAGE',
    'CREATE_INTEGRATION', 'ALTER_INTEGRATION', 'CREATE_SHARE', 'ALTER_SHARE', 'CREATE_FUNCTION',
    'CREATE_PROCEDURE', 'CREATE_TASK', 'CREATE_PIPE', 'CREATE_USER', 'CREATE_ROLE', 'CREATE_OTHER',
    'ALTER_TABLE', 'ALTER_USER', 'ALTER_OTHER', 'DROP', 'UNDROP', 'COMMENT',
  ],
  SESSION: ['USE', 'SET', 'UNSET', 'TRANSACTION'],
  ACCESS_CONTROL: ['GRANT', 'REVOKE', 'CREATE_USER', 'CREATE_ROLE', 'ALTER_USER'],
  EXFILTRATION: [
    'COPY_INTO_LOCATION', 'GET', 'PUT', 'CREATE_STAGE', 'ALTER_STAGE', 'CREATE_INTEGRATION',
    'ALTER_INTEGRATION', 'CREATE_SHARE', 'ALTER_SHARE',
  ],
  DYNAMIC: ['EXECUTE_IMMEDIATE', 'CALL', 'EXECUTE_TASK'],
} as const satisfies Record<string, readonly StatementClass[]>;

/** A group name usable in a rule's `classes`. */
export type StatementGroup = keyof typeof STATEMENT_GROUPS;
