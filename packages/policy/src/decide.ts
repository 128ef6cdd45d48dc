import type { ClassifiedStatement } from './classified-statement.js';
import { compileObjectPattern, type ObjectPattern } from './object-pattern.js';
import type { StatementPolicy, StatementRule } from './rules-schema.js';
import { isExternalLocation, isGuardedFunctionObject, isUnresolvedObject, needsNamingRule } from './engine-objects.js';
import { STATEMENT_GROUPS, type StatementClass } from './statement-class.js';

/**
 * The decision for a request: each object a statement (and each statement it runs or defines)
 * writes or reads is decided by the first rule that speaks for it, guarded statements and objects
 * are denied unless rules name them, and the request is denied if any statement is.
 */

/** Stable reason keys (metric labels); see docs/policy.md for the human text. */
export const DECISION_REASONS = ['rule_allowed', 'rule_denied', 'default_allowed', 'default_denied', 'exfiltration_denied', 'dynamic_sql_denied', 'search_path_denied', 'identifier_case_denied', 'unresolved_object_denied', 'statement_unclassifiable', 'empty_request'] as const;

/** The outcome for a request. */
export interface Decision {
  action: 'allow' | 'deny';
  reasonKey: (typeof DECISION_REASONS)[number] | (string & {});
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

/** Does the rule speak for this statement's class? */
function classMatches(r: CompiledRule, s: ClassifiedStatement): boolean {
  return r.classes === undefined || r.classes.has(s.class);
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

type Guard = 'exfiltration_denied' | 'dynamic_sql_denied' | 'search_path_denied' | 'identifier_case_denied';

/**
 * Statements denied even under `defaultAction: allow` unless rules naming their class allow them:
 * the EXFILTRATION group, EXECUTE TASK (and EXECUTE NOTEBOOK, ALERT …), any statement writing an
 * external location (`scheme://…`, e.g. an external function's endpoint), opening another path out
 * (`egress`) or calling a guarded function; CALL and EXECUTE IMMEDIATE of text that is not a lone
 * literal; SEARCH_PATH and QUOTED_IDENTIFIERS_IGNORE_CASE changes.
 */
function guardOf(s: ClassifiedStatement): Guard | undefined {
  if (EXFILTRATION.has(s.class) || s.class === 'EXECUTE_TASK' || s.egress !== undefined) return 'exfiltration_denied';
  // EXECUTE NOTEBOOK / ALERT / DBT PROJECT …: like EXECUTE TASK, runs code and actions not visible here
  if (s.class === 'OTHER' && s.dynamic === true) return 'exfiltration_denied';
  if (s.writes.some(isExternalLocation) || s.reads.some(isGuardedFunctionObject)) return 'exfiltration_denied';
  if ((s.class === 'EXECUTE_IMMEDIATE' || s.class === 'CALL') && s.dynamic === true) return 'dynamic_sql_denied';
  if (s.changesSearchPath === true) return 'search_path_denied';
  if (s.changesIdentifierCase === true) return 'identifier_case_denied';
  return undefined;
}

const GUARD_TEXT: Record<Guard, string> = {
  exfiltration_denied: 'can move data or control out of the account and no rule allows it',
  dynamic_sql_denied: 'runs SQL that is not visible here and no rule allows it',
  search_path_denied: 'changes SEARCH_PATH, which would let unqualified names escape the policy, and no rule allows it',
  identifier_case_denied: 'changes whether quoted names fold to upper case, which would let names escape the policy, and no rule allows it',
};

type Access = 'read' | 'write';

/** The first rule that speaks for one object of the statement; undefined when none does. */
function ruleForObject(s: ClassifiedStatement, object: string, access: Access, rules: readonly CompiledRule[], guard: Guard | undefined): CompiledRule | undefined {
  const named = needsNamingRule(object);
  for (const r of rules) {
    if (!classMatches(r, s)) continue;
    const allow = r.rule.action === 'allow';
    // `access` picks the side an allow rule speaks for; a deny rule without objects denies every object.
    const ruleAccess = r.rule.access ?? 'any';
    if (ruleAccess !== 'any' && ruleAccess !== access && (allow || r.patterns !== undefined)) continue;
    if (r.patterns !== undefined) {
      // Allow rules compare exactly; deny rules also catch names that differ only in case.
      const hit = allow ? r.patterns.some((p) => p.matches(object)) : r.patterns.some((p) => p.matchesIgnoringCase(object));
      if (!hit) continue;
    } else if (allow && named) continue; // only a rule whose pattern names it allows an unresolved object or a guarded function
    // A guarded statement is only allowed by rules that name its class (or a group holding it).
    if (guard !== undefined && allow && r.classes === undefined) continue;
    return r;
  }
  return undefined;
}

/** The outcome when no rule speaks for (an object of) the statement. */
function fallback(s: ClassifiedStatement, policy: StatementPolicy, where: string, guard: Guard | undefined, object?: { name: string; access: Access }): StatementOutcome {
  const what = object === undefined ? '' : ` ${object.access === 'read' ? 'reads' : 'writes'} ${object.name}, which`;
  if (guard !== undefined) return { action: 'deny', reasonKey: guard, reason: `${describe(s, where)} ${GUARD_TEXT[guard]}${object ? ` (${object.name})` : ''}`, cls: s.class };
  if (object !== undefined && isUnresolvedObject(object.name)) {
    return { action: 'deny', reasonKey: 'unresolved_object_denied', reason: `${describe(s, where)}${what} the policy cannot resolve to a named object, and no rule names it`, cls: s.class };
  }
  if ((policy.defaultAction ?? 'allow') === 'allow') return { action: 'allow', reasonKey: 'default_allowed', reason: `${describe(s, where)} allowed by default`, cls: s.class };
  if (object === undefined) return { action: 'deny', reasonKey: 'default_denied', reason: `${describe(s, where)} is not allowed by any rule`, cls: s.class };
  return { action: 'deny', reasonKey: 'default_denied', reason: `${describe(s, where)}${what} no rule allows for ${object.access === 'read' ? 'reading' : 'writing'}`, cls: s.class };
}

function ruleOutcome(r: CompiledRule, s: ClassifiedStatement, where: string, object?: { name: string; access: Access }): StatementOutcome {
  if (r.rule.action === 'allow') return { action: 'allow', reasonKey: 'rule_allowed', reason: `${describe(s, where)} allowed by rule ${r.label}`, rule: r.label, cls: s.class };
  const what = object === undefined ? '' : ` (${object.access === 'read' ? 'reads' : 'writes'} ${object.name})`;
  return { action: 'deny', reasonKey: 'rule_denied', reason: r.rule.reason ?? `${describe(s, where)}${what} denied by rule ${r.label}`, rule: r.label, cls: s.class };
}

/**
 * Decide one statement (not its inner statements). Every object is decided on its own: each object
 * written must be allowed for writing and each object read allowed for reading, each by the first
 * rule that speaks for the statement's class, that access and that object (or by the default), so
 * a write rule cannot launder a read the policy does not allow. A statement with no objects is
 * decided by the first rule for its class (an allow rule with `objects` matches an empty set).
 */
function decideOne(s: ClassifiedStatement, rules: readonly CompiledRule[], policy: StatementPolicy, where: string): StatementOutcome {
  if (s.unclassifiable) {
    return { action: 'deny', reasonKey: 'statement_unclassifiable', reason: `statement${where} nests SQL more deeply than the policy engine follows`, cls: s.class };
  }
  const guard = guardOf(s);
  if (s.reads.length === 0 && s.writes.length === 0) {
    for (const r of rules) {
      if (!classMatches(r, s)) continue;
      if (r.patterns !== undefined && r.rule.action === 'deny') continue;
      if (guard !== undefined && r.rule.action === 'allow' && r.classes === undefined) continue;
      return ruleOutcome(r, s, where);
    }
    return fallback(s, policy, where, guard);
  }
  let first: StatementOutcome | undefined;
  let byDefault: StatementOutcome | undefined;
  const objects: { name: string; access: Access }[] = [...s.writes.map((name) => ({ name, access: 'write' as const })), ...s.reads.map((name) => ({ name, access: 'read' as const }))];
  for (const object of objects) {
    const r = ruleForObject(s, object.name, object.access, rules, guard);
    const outcome = r !== undefined ? ruleOutcome(r, s, where, object) : fallback(s, policy, where, guard, object);
    if (outcome.action === 'deny') return outcome;
    if (r === undefined) byDefault ??= outcome;
    else first ??= outcome;
  }
  return byDefault ?? first!;
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
