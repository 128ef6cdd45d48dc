import { z } from 'zod';
import { STATEMENT_CLASSES, STATEMENT_GROUPS } from './statement-class.js';

const classOrGroup = z.enum([...STATEMENT_CLASSES, ...(Object.keys(STATEMENT_GROUPS) as (keyof typeof STATEMENT_GROUPS)[])]);

/**
 * One allow/deny rule. Rules are evaluated in order and the first match decides; a rule matches
 * when the statement's class is in `classes` (or a named group) and, if `objects` is given, the
 * object set chosen by `access` matches the glob patterns (`*` within a name part, `**` across
 * parts, case-insensitive, fully qualified `DB.SCHEMA.OBJECT`; `@stage` and `s3://…` for
 * locations): for an allow rule EVERY object must match a pattern, for a deny rule ANY object
 * (see docs/policy.md and docs/adr/0060-statement-policy-engine.md). Guarded statements
 * (exfiltration, dynamic SQL) are only allowed by a rule that names their class or group.
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
