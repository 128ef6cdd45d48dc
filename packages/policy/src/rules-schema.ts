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
  action: z.enum(['allow', 'deny']).describe('What a matching statement gets.'),
  classes: z.array(classOrGroup).min(1).optional().describe('Statement classes or groups this rule applies to; all when absent.'),
  objects: z.array(z.string().min(1)).min(1).optional().describe('Glob patterns on the fully qualified objects the statement reads or writes (see access): an allow rule matches when every object matches a pattern, a deny rule when any does; all objects when absent.'),
  access: z.enum(['read', 'write', 'any']).default('any').describe('Which of the statement\'s object sets `objects` is matched against.'),
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

/** The statement policy: ordered rules, the default for statements no rule matched, and limits. */
export const statementPolicySchema = z.strictObject({
  name: z.string().min(1).default('default').describe('Policy name, recorded with every session (the SnowflakeAccessPolicy name).'),
  generation: z.number().int().nonnegative().default(0).describe('Policy generation, recorded with every session.'),
  defaultAction: z.enum(['allow', 'deny']).default('allow').describe('What a statement that no rule matches gets. Exfiltration classes are denied regardless unless a rule allows them.'),
  statements: z.array(statementRuleSchema).default([]).describe('Ordered allow/deny rules; the first match decides.'),
  limits: resultLimitsSchema.default({}),
});

/** The statement policy (after defaults). */
export type StatementPolicy = z.infer<typeof statementPolicySchema>;

/** The statement policy as written (before defaults). */
export type StatementPolicyInput = z.input<typeof statementPolicySchema>;
