/** One case of the decision corpus: a request, the policy it runs under and the decision it must get. */
export interface DecisionCase {
  /** The class of attack (or `dbt` for the ordinary statements a dbt/ELT pipeline sends). */
  cls:
    | 'unresolved_names'
    | 'functions'
    | 'keyword_steering'
    | 'quoted_identifiers'
    | 'context'
    | 'laundering'
    | 'exfiltration'
    | 'access_control'
    | 'dynamic'
    | 'outside_objects'
    | 'dbt';
  name: string;
  sql: string;
  expect: 'allow' | 'deny';
  reasonKey: string;
  /** `dbt` (the default): the dbt example policy in context ANALYTICS.PUBLIC; `allow_all`: defaultAction allow, no rules. */
  policy?: 'dbt' | 'allow_all';
  /** The denied statement's index, when not the first. */
  statementIndex?: number;
}

/** What each class covers, for docs/policy.md. */
export const DECISION_CLASS_TEXT: Record<DecisionCase['cls'], string> = {
  unresolved_names: 'names the classifier cannot resolve (table literals, IDENTIFIER of variables or binds, RESULT_SCAN, table functions, semantic views, information schema after USE)',
  functions: 'functions with effects or secret output (SYSTEM$…, GET_PRESIGNED_URL), procedures',
  keyword_steering: 'non-reserved words used as aliases to end a FROM list early',
  quoted_identifiers: 'quoted identifiers that differ in case, QUOTED_IDENTIFIERS_IGNORE_CASE',
  context: 'context changes (USE in a request, in a ->> chain, in a block; SEARCH_PATH)',
  laundering: 'reads carried into allowed writes (CTAS, CLONE, LIKE, INSERT…SELECT, MERGE, UPDATE…FROM, views)',
  exfiltration: 'paths out of the account (unloads, stages, integrations, shares, listings, replication, external volumes, tasks, credentials), also with no rules at all',
  access_control: 'grants, users, roles, account and warehouse changes',
  dynamic: 'scripting, EXECUTE IMMEDIATE, procedures and functions',
  outside_objects: 'reads and writes outside the pipeline\'s schemas',
  dbt: 'ordinary statements dbt and ELT jobs send',
};
