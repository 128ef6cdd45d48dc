import type { NamePart, NameScope, SessionContext } from './object-names.js';
import { qualify } from './object-names.js';
import type { StatementClass } from './statement-class.js';
import { wordAt } from './token-cursor.js';
import type { Token } from './tokenizer.js';

/**
 * Snowflake object kinds as they appear after CREATE/ALTER/DROP/GRANT … ON/COMMENT ON/DESCRIBE, with
 * how their names are qualified and which class CREATE and ALTER of them get.
 */

/** What the classifier knows about one object kind. */
export interface ObjectKind {
  /** The kind's words joined by a space, e.g. `STORAGE INTEGRATION`. */
  name: string;
  family: 'table' | 'view' | 'schema' | 'database' | 'stage' | 'integration' | 'share' | 'function' | 'procedure' | 'task' | 'pipe' | 'user' | 'role' | 'stream' | 'column' | 'other';
  scope: NameScope;
  create: StatementClass;
  alter: StatementClass;
}

function k(name: string, family: ObjectKind['family'], scope: NameScope, create: StatementClass, alter: StatementClass = 'ALTER_OTHER'): ObjectKind {
  return { name, family, scope, create, alter };
}

const KINDS: ObjectKind[] = [
  k('TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('EXTERNAL TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('DYNAMIC TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('ICEBERG TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('HYBRID TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('EVENT TABLE', 'table', 'schema_object', 'CREATE_TABLE', 'ALTER_TABLE'),
  k('VIEW', 'view', 'schema_object', 'CREATE_VIEW'),
  k('MATERIALIZED VIEW', 'view', 'schema_object', 'CREATE_VIEW'),
  k('SEMANTIC VIEW', 'view', 'schema_object', 'CREATE_VIEW'),
  k('SCHEMA', 'schema', 'schema', 'CREATE_SCHEMA'),
  k('DATABASE', 'database', 'account', 'CREATE_DATABASE'),
  k('DATABASE ROLE', 'role', 'schema', 'CREATE_ROLE'),
  k('APPLICATION ROLE', 'role', 'schema', 'CREATE_ROLE'),
  k('STAGE', 'stage', 'schema_object', 'CREATE_STAGE', 'ALTER_STAGE'),
  k('INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('STORAGE INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('NOTIFICATION INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('API INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('SECURITY INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('EXTERNAL ACCESS INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('CATALOG INTEGRATION', 'integration', 'account', 'CREATE_INTEGRATION', 'ALTER_INTEGRATION'),
  k('SHARE', 'share', 'account', 'CREATE_SHARE', 'ALTER_SHARE'),
  k('FUNCTION', 'function', 'schema_object', 'CREATE_FUNCTION'),
  k('EXTERNAL FUNCTION', 'function', 'schema_object', 'CREATE_FUNCTION'),
  k('PROCEDURE', 'procedure', 'schema_object', 'CREATE_PROCEDURE'),
  k('TASK', 'task', 'schema_object', 'CREATE_TASK'),
  k('PIPE', 'pipe', 'schema_object', 'CREATE_PIPE'),
  k('USER', 'user', 'account', 'CREATE_USER', 'ALTER_USER'),
  k('ROLE', 'role', 'account', 'CREATE_ROLE'),
  k('STREAM', 'stream', 'schema_object', 'CREATE_OTHER'),
  k('COLUMN', 'column', 'schema_object', 'CREATE_OTHER'),
  ...['WAREHOUSE', 'RESOURCE MONITOR', 'NETWORK POLICY', 'REPLICATION GROUP', 'FAILOVER GROUP', 'CONNECTION', 'APPLICATION', 'APPLICATION PACKAGE', 'COMPUTE POOL', 'EXTERNAL VOLUME', 'ACCOUNT', 'ORGANIZATION LISTING', 'LISTING', 'SESSION'].map((n) => k(n, 'other', 'account', 'CREATE_OTHER')),
  ...['SEQUENCE', 'FILE FORMAT', 'TAG', 'MASKING POLICY', 'ROW ACCESS POLICY', 'SESSION POLICY', 'PASSWORD POLICY', 'AUTHENTICATION POLICY', 'AGGREGATION POLICY', 'PROJECTION POLICY', 'PACKAGES POLICY', 'NETWORK RULE', 'ALERT', 'SECRET', 'STREAMLIT', 'NOTEBOOK', 'MODEL', 'DATASET', 'SERVICE', 'IMAGE REPOSITORY', 'GIT REPOSITORY', 'CORTEX SEARCH SERVICE', 'SNAPSHOT'].map((n) =>
    k(n, 'other', 'schema_object', 'CREATE_OTHER'),
  ),
];

const BY_FIRST_WORD = new Map<string, { words: string[]; kind: ObjectKind }[]>();
for (const kind of KINDS) {
  const words = kind.name.split(' ');
  const list = BY_FIRST_WORD.get(words[0]!) ?? [];
  list.push({ words, kind });
  list.sort((a, b) => b.words.length - a.words.length);
  BY_FIRST_WORD.set(words[0]!, list);
}
// Plural forms used by GRANT … ON ALL TABLES / FUTURE SCHEMAS and SHOW.
const PLURAL: Record<string, string> = { TABLES: 'TABLE', VIEWS: 'VIEW', SCHEMAS: 'SCHEMA', STAGES: 'STAGE', FUNCTIONS: 'FUNCTION', PROCEDURES: 'PROCEDURE', TASKS: 'TASK', PIPES: 'PIPE', STREAMS: 'STREAM', SEQUENCES: 'SEQUENCE' };

/** Parse an object kind at `i` (longest match); undefined when none is there. */
export function parseObjectKind(tokens: readonly Token[], i: number): { kind: ObjectKind; next: number } | undefined {
  const first = wordAt(tokens, i);
  if (first === undefined) return undefined;
  const candidates = BY_FIRST_WORD.get(PLURAL[first] ?? first);
  if (candidates === undefined) return undefined;
  for (const c of candidates) {
    let ok = true;
    for (let w = 1; w < c.words.length; w++) {
      if (wordAt(tokens, i + w) !== c.words[w]) {
        ok = false;
        break;
      }
    }
    if (ok) return { kind: c.kind, next: i + c.words.length };
  }
  return undefined;
}

/** The object kind with exactly this name (`ROLE`, `STORAGE INTEGRATION`); undefined if unknown. */
export function parseObjectKindByName(name: string): ObjectKind | undefined {
  return KINDS.find((k) => k.name === name);
}

/** Render an object name of the given kind: stages get `@`, columns name their table. */
export function renderObject(parts: readonly NamePart[], kind: ObjectKind | undefined, ctx: SessionContext): string {
  if (kind?.family === 'column') return qualify(parts.length > 1 ? parts.slice(0, -1) : parts, 'schema_object', ctx);
  const name = qualify(parts, kind?.scope ?? 'schema_object', ctx);
  return kind?.family === 'stage' && !name.startsWith('unresolved://') ? `@${name}` : name;
}
