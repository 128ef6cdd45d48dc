import { z } from 'zod';
import { STATEMENT_CLASSES, STATEMENT_GROUPS } from './statement-class.js';

const classOrGroup = z.enum([...STATEMENT_CLASSES, ...(Object.keys(STATEMENT_GROUPS) as (keyof typeof STATEMENT_GROUPS)[])]);

/**
 * One allow/deny rule. Every object a statement reads or writes is decided on its own by the first
 * rule that speaks for it: the statement's class is in `classes` (or a named group; all classes when
 * absent), `access` covers the object's side (`read`, `write`, or `any`), and, if `objects` is given,
 * a glob pattern matches the object (`*` within a name part, `**` across parts; unquoted pattern parts
 * fold to upper case and compare exactly with the object's name, deny patterns ignore case; `@stage`
 * and `scheme://…` for stages and locations). A statement is allowed only when every object it writes
 * is allowed for writing and every object it reads is allowed for reading, so a write rule cannot
 * launder a read (see docs/policy.md and docs/adr/0061-fail-closed-objects.md). Guarded statements
 * (exfiltration, dynamic SQL, name-resolution changes) are only allowed by rules naming their class;
 * unresolved names and guarded functions only by a pattern naming them.
 * This schema is the one source for the sidecar config, the CRD and the TypeScript type.
 */
export const statementRuleSchema = z.strictObject({
  name: z.string().min(1).max(63).optional().describe('A short name for the rule, shown in the recording and in denials.'),
  action: z.enum(['allow', 'deny']).describe('What the objects this rule speaks for (or a statement without objects) get.'),
  classes: z.array(classOrGroup).min(1).optional().describe('Statement classes or groups this rule applies to; all when absent.'),
  objects: z.array(z.string().min(1)).min(1).optional().describe('Glob patterns on the fully qualified objects a statement reads or writes (see access); the rule speaks for each object a pattern matches (unquoted parts fold to upper case; allow patterns compare exactly, deny patterns ignore case); all objects when absent, except unresolved names and guarded functions, which only a pattern naming them allows.'),
  access: z.enum(['read', 'write', 'any']).default('any').describe('Which side of a statement\'s objects the rule speaks for: the objects it reads, writes, or both.'),
  reason: z.string().max(500).optional().describe('Human text returned to the client on denial and recorded.'),
});

/** One allow/deny rule (after defaults). */
export type StatementRule = z.infer<typeof statementRuleSchema>;

/** Result limits counted across the inline rows and every chunk of one statement's result. */
export const resultLimitsSchema = z.strictObject({
  maxResultRows: z.number().int().positive().optional().describe('Most rows one statement may return to the client.'),
  maxResultBytes: z.number().int().positive().optional().describe('Most result bytes (inline answer plus chunks, as sent) one statement may return.'),
});

/** Result limits. */
export type ResultLimits = z.infer<typeof resultLimitsSchema>;

/**
 * What confirms an allowed statement besides its text. `explain`: for each allowed statement that
 * reads data, the sidecar first asks Snowflake's compiler (`EXPLAIN USING JSON`, in the same
 * session) which tables its plan scans, and denies when one is not allowed for reading (a view's
 * base table, for instance); a statement whose plan cannot be had is denied. See
 * docs/adr/0067-verify-by-explain.md.
 */
export const policyVerifySchema = z
  .enum(['none', 'explain'])
  .describe("none: the statement's text decides. explain: an allowed statement that reads data is also compiled upstream (EXPLAIN USING JSON, never run) and denied when its plan scans a table no rule allows for reading, or when no plan can be had (fail closed).");

/** The statement policy: ordered rules, the default for statements no rule matched, and limits. */
export const statementPolicySchema = z.strictObject({
  name: z.string().min(1).default('default').describe('Policy name, recorded with every session (the SnowflakeAccessPolicy name).'),
  generation: z.number().int().nonnegative().default(0).describe('Policy generation, recorded with every session.'),
  defaultAction: z.enum(['allow', 'deny']).default('allow').describe('What an object (or a statement without objects) no rule speaks for gets. Exfiltration, dynamic SQL, unresolved names and guarded functions are denied regardless unless rules name them.'),
  statements: z.array(statementRuleSchema).default([]).describe('Ordered allow/deny rules; for each object a statement reads or writes the first rule that speaks for it decides, and the statement is allowed only when every object is.'),
  limits: resultLimitsSchema.default({}),
  verify: policyVerifySchema.default('none'),
});

/** The statement policy (after defaults). */
export type StatementPolicy = z.infer<typeof statementPolicySchema>;

/** The statement policy as written (before defaults). */
export type StatementPolicyInput = z.input<typeof statementPolicySchema>;
