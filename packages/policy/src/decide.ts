import type { ClassifiedStatement } from './classified-statement.js';
import { compileObjectPattern, type ObjectPattern } from './object-pattern.js';
import type { StatementPolicy, StatementRule } from './rules-schema.js';
import { STATEMENT_GROUPS, type StatementClass } from './statement-class.js';

/**
 * The decision for a request: the first matching rule decides each statement (and each statement
 * it runs or defines), exfiltration classes are denied unless a rule allows them, and the request
 * is denied if any statement is.
 */

/** Stable reason keys (metric labels); see docs/policy.md for the human text. */
export const DECISION_REASONS = ['rule_allowed', 'rule_denied', 'default_allowed', 'default_denied', 'exfiltration_denied', 'dynamic_sql_denied', 'search_path_denied', 'statement_unclassifiable', 'empty_request'] as const;

/** The outcome for a request. */
export interface Decision {
  action: 'allow' | 'deny';
  reasonKey: 'rule_allowed' | 'rule_denied' | 'default_allowed' | 'default_denied' | 'exfiltration_denied' | (string & {});
  /** Human text for the client and the recording (the sidecar adds `SQL access control error:`). */
  reason: string;
  /** The deciding rule's name (or `rules[i]` when unnamed). */
  rule?: string;
  /** Index of the (first denied) top-level statement. */
  statementIndex?: number;
  /** The class of the statement that decided. */
  statementClass?: StatementClass;
}

const EXFILTRATION: ReadonlySet<string> = new Set(STATEMENT_GROUPS.EXFILTRATION);

interface CompiledRule {
  rule: StatementRule;
  label: string;
  classes?: ReadonlySet<string>;
  patterns?: ObjectPattern[];
}

const compiledCache = new WeakMap<StatementPolicy, CompiledRule[]>();

/** Compile a policy's rules once (memoised per policy object, so a hot-reloaded policy recompiles). */
function compile(policy: StatementPolicy): CompiledRule[] {
  const cached = compiledCache.get(policy);
  if (cached) return cached;
  const rules = (policy.statements ?? []).map((rule, i): CompiledRule => {
    const out: CompiledRule = { rule, label: rule.name ?? `rules[${i}]` };
    if (rule.classes) {
      const set = new Set<string>();
      for (const c of rule.classes) {
        const group = (STATEMENT_GROUPS as Record<string, readonly string[]>)[c];
        if (group) group.forEach((g) => set.add(g));
        else set.add(c);
      }
      out.classes = set;
    }
    if (rule.objects) out.patterns = rule.objects.map(compileObjectPattern);
    return out;
  });
  compiledCache.set(policy, rules);
  return rules;
}

/**
 * Does the rule match the statement? Object patterns are asymmetric on purpose: an allow rule
 * matches only when EVERY object in the chosen set matches a pattern (so one permitted table cannot
 * carry a forbidden one along), a deny rule when ANY object does.
 */
function ruleMatches(r: CompiledRule, s: ClassifiedStatement): boolean {
  if (r.classes && !r.classes.has(s.class)) return false;
  if (!r.patterns) return true;
  const access = r.rule.access ?? 'any';
  const objects = access === 'read' ? s.reads : access === 'write' ? s.writes : [...s.reads, ...s.writes];
  const hit = (o: string): boolean => r.patterns!.some((p) => p.matches(o));
  return r.rule.action === 'allow' ? objects.every(hit) : objects.some(hit);
}

interface StatementOutcome {
  action: 'allow' | 'deny';
  reasonKey: Decision['reasonKey'];
  reason: string;
  rule?: string;
  cls: StatementClass;
}

function describe(s: ClassifiedStatement, where: string): string {
  return `${s.class} statement${where}`;
}

/**
 * Statements denied even under `defaultAction: allow` unless a rule naming their class allows them:
 * the EXFILTRATION group, any statement writing an external location (`scheme://…`, e.g. an external
 * function's endpoint), EXECUTE IMMEDIATE of text that is not a lone literal, and SEARCH_PATH changes.
 */
function guardOf(s: ClassifiedStatement): Guard | undefined {
  if (EXFILTRATION.has(s.class) || s.writes.some(isExternalLocation)) return 'exfiltration_denied';
  if (s.class === 'EXECUTE_IMMEDIATE' && s.dynamic === true) return 'dynamic_sql_denied';
  if (s.changesSearchPath === true) return 'search_path_denied';
  return undefined;
}

type Guard = 'exfiltration_denied' | 'dynamic_sql_denied' | 'search_path_denied';

const GUARD_TEXT: Record<Guard, string> = {
  exfiltration_denied: 'can move data out of Snowflake and no rule allows it',
  dynamic_sql_denied: 'runs SQL text that is built at run time and no rule allows it',
  search_path_denied: 'changes SEARCH_PATH, which would let unqualified names escape the policy, and no rule allows it',
};

/** A location outside Snowflake (`s3://…`, `https://…`, `account://…`); `session://` parameters are not. */
function isExternalLocation(o: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(o) && !o.startsWith('session://');
}

/** Decide one statement (not its inner statements). */
function decideOne(s: ClassifiedStatement, rules: readonly CompiledRule[], policy: StatementPolicy, where: string): StatementOutcome {
  if (s.unclassifiable) {
    return { action: 'deny', reasonKey: 'statement_unclassifiable', reason: `statement${where} nests SQL more deeply than the policy engine follows`, cls: s.class };
  }
  const guard = guardOf(s);
  for (const r of rules) {
    if (!ruleMatches(r, s)) continue;
    // A guarded statement is only allowed by a rule that names its class (or a group holding it).
    if (guard !== undefined && r.rule.action === 'allow' && r.classes === undefined) continue;
    if (r.rule.action === 'allow') return { action: 'allow', reasonKey: 'rule_allowed', reason: `${describe(s, where)} allowed by rule ${r.label}`, rule: r.label, cls: s.class };
    return { action: 'deny', reasonKey: 'rule_denied', reason: r.rule.reason ?? `${describe(s, where)} denied by rule ${r.label}`, rule: r.label, cls: s.class };
  }
  if (guard !== undefined) return { action: 'deny', reasonKey: guard, reason: `${describe(s, where)} ${GUARD_TEXT[guard]}`, cls: s.class };
  if ((policy.defaultAction ?? 'allow') === 'allow') return { action: 'allow', reasonKey: 'default_allowed', reason: `${describe(s, where)} allowed by default`, cls: s.class };
  return { action: 'deny', reasonKey: 'default_denied', reason: `${describe(s, where)} is not allowed by any rule`, cls: s.class };
}

const VIA_TEXT: Record<string, string> = {
  execute_immediate: 'inside EXECUTE IMMEDIATE',
  block: 'inside a scripting block',
  flow_operator: 'after ->>',
  merged: 'after ;',
  presigned_url: 'as GET_PRESIGNED_URL',
  body: 'in the body',
  alternative_reading: 'in the alternative reading of its comments',
};

/** Decide a statement and everything it runs or defines; the first denial wins. */
function decideTree(s: ClassifiedStatement, rules: readonly CompiledRule[], policy: StatementPolicy, where: string, depth: number): StatementOutcome {
  const own = decideOne(s, rules, policy, where);
  if (own.action === 'deny') return own;
  for (const inner of s.inner ?? []) {
    const innerWhere = `${where} (${VIA_TEXT[inner.via ?? ''] ?? 'inner'} of ${s.class})`;
    const d = depth > 32 ? decideOne({ ...inner, unclassifiable: true }, rules, policy, innerWhere) : decideTree(inner, rules, policy, innerWhere, depth + 1);
    if (d.action === 'deny') return d;
  }
  return own;
}

/** Decide a request: denied if any statement (or any statement one runs or defines) is denied. */
export function decide(statements: readonly ClassifiedStatement[], policy: StatementPolicy): Decision {
  const rules = compile(policy);
  if (statements.length === 0) return { action: 'allow', reasonKey: 'empty_request', reason: 'no statement to decide' };
  let first: Decision | undefined;
  for (let i = 0; i < statements.length; i++) {
    const where = statements.length > 1 ? ` ${i + 1} of ${statements.length}` : '';
    const d = decideTree(statements[i]!, rules, policy, where, 0);
    const decision: Decision = { action: d.action, reasonKey: d.reasonKey, reason: d.reason, statementIndex: i, statementClass: d.cls };
    if (d.rule !== undefined) decision.rule = d.rule;
    if (d.action === 'deny') return decision;
    first ??= decision;
  }
  return first!;
}
