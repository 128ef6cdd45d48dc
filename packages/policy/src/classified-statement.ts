import type { SessionContext } from './object-names.js';
import type { StatementClass } from './statement-class.js';

/** Why an inner statement is attached to the statement that carries it. */
export type InnerVia =
  | 'execute_immediate' // EXECUTE IMMEDIATE '<literal>' runs it now
  | 'block' // a Snowflake Scripting block runs it now
  | 'flow_operator' // `->>` chains it after the statement
  | 'merged' // a `;` the splitter kept inside the statement (defence in depth)
  | 'presigned_url' // GET_PRESIGNED_URL(@stage, …): a download link, treated as a GET
  | 'body' // the body of CREATE TASK/PROCEDURE/PIPE: runs later, when called or scheduled
  | 'alternative_reading'; // how the text reads if comments nested or paths ended at a comment

/** One classified statement: its class and the objects it reads and writes. */
export interface ClassifiedStatement {
  /** The statement's own text (after the multi-statement split). */
  text: string;
  class: StatementClass;
  /** Fully qualified objects read: `DB.SCHEMA.OBJECT`, stages `@DB.SCHEMA.STAGE`, locations as written. */
  reads: string[];
  /** Fully qualified objects written, in the same forms. */
  writes: string[];
  /** Statements this one also runs or defines (EXECUTE IMMEDIATE literal, scripting block, task body…); each is decided too. */
  inner?: ClassifiedStatement[];
  /** Why this statement is inside its parent's `inner`. */
  via?: InnerVia;
  /** True when it runs SQL whose text is not visible here (EXECUTE IMMEDIATE of a variable, CALL, EXECUTE TASK). */
  dynamic?: boolean;
  /** True when classification gave up (nesting too deep); `decide` always denies such a statement. */
  unclassifiable?: boolean;
  /**
   * True for `ALTER SESSION SET SEARCH_PATH = …`: unqualified names in later statements may then
   * resolve to schemas other than the session's, which the reported names cannot show.
   */
  changesSearchPath?: boolean;
  /**
   * True for `ALTER SESSION SET|UNSET QUOTED_IDENTIFIERS_IGNORE_CASE`: quoted names in later
   * statements may then fold to upper case (`"raw"` becomes `RAW`); `decide` guards it.
   */
  changesIdentifierCase?: boolean;
  /**
   * Set when the statement opens a path for data or control to leave the account that its class and
   * objects alone do not show (a replication or failover group, an external volume, a connection, a
   * credential added to a user …): the kind of path. `decide` guards it like exfiltration.
   */
  egress?: string;
  /** For `USE …`: what it switches and to which name (rendered like an object name part). */
  use?: SessionSwitch;
  /** The session context after this statement, when it changes it (USE, ALTER SESSION …). */
  contextAfter?: SessionContext;
}

/** What a USE statement switches. */
export interface SessionSwitch {
  kind: 'DATABASE' | 'SCHEMA' | 'ROLE' | 'WAREHOUSE' | 'SECONDARY ROLES';
  /** The name as rendered (unquoted upper-case, quoted exact); `?` when it is not visible. */
  name: string;
}

/** Mutable accumulator used while classifying one statement. */
export class StatementBuilder {
  cls: StatementClass = 'OTHER';
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  readonly inner: ClassifiedStatement[] = [];
  dynamic = false;
  unclassifiable = false;
  /** Set when a body classified to the end of the statement already covers every `;` inside it. */
  bodyCoversRest = false;
  changesSearchPath = false;
  changesIdentifierCase = false;
  /** The value an `ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = …` gives (undefined: not known statically). */
  identifierCaseAfter: boolean | undefined;
  /** The database and schema a CREATE DATABASE / CREATE SCHEMA makes current (Snowflake switches to a new one). */
  createdContext: { database?: string | undefined; schema?: string | undefined } | undefined;
  egress: string | undefined;
  use: SessionSwitch | undefined;

  /** Attach inner statements and, when they run now, merge their objects into this statement's. */
  addInner(statements: readonly ClassifiedStatement[], via: InnerVia, merge: boolean): void {
    for (const s of statements) {
      this.inner.push({ ...s, via });
      if (merge) {
        for (const r of s.reads) this.reads.add(r);
        for (const w of s.writes) this.writes.add(w);
      }
    }
  }

  /** Take over inner statements of a statement this one wraps (`(…)`, `WITH … <statement>`), keeping their `via`. */
  adoptInner(statements: readonly ClassifiedStatement[] | undefined): void {
    for (const s of statements ?? []) this.inner.push(s);
  }

  /** Take over the flags of a wrapped statement, so wrapping cannot launder them. */
  adoptFlags(s: ClassifiedStatement): void {
    if (s.dynamic) this.dynamic = true;
    if (s.unclassifiable) this.unclassifiable = true;
    if (s.changesSearchPath) this.changesSearchPath = true;
    if (s.changesIdentifierCase) this.changesIdentifierCase = true;
    if (s.egress !== undefined) this.egress ??= s.egress;
  }

  /** Freeze into the public shape. */
  build(text: string): ClassifiedStatement {
    const out: ClassifiedStatement = { text, class: this.cls, reads: [...this.reads], writes: [...this.writes] };
    if (this.inner.length > 0) out.inner = this.inner;
    if (this.dynamic) out.dynamic = true;
    if (this.unclassifiable) out.unclassifiable = true;
    if (this.changesSearchPath) out.changesSearchPath = true;
    if (this.changesIdentifierCase) out.changesIdentifierCase = true;
    if (this.egress !== undefined) out.egress = this.egress;
    if (this.use !== undefined) out.use = this.use;
    return out;
  }
}
