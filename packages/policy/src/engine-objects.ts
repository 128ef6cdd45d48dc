/**
 * The objects the engine names itself, besides tables, stages and locations: what the classifier
 * could not resolve to a named object (`unresolved://<reason>`) and the functions with effects or
 * secret output a statement calls (`function://<class>/<NAME>`). Both are objects like any other,
 * so rules can name them; both are guarded: only an allow rule whose `objects` pattern names them
 * allows them (a rule without `objects`, or a name pattern such as `**`, never does).
 */

/** Why a construct could not be resolved to a named object; the suffix of `unresolved://`. */
export const UNRESOLVED_REASONS = [
  'table_literal', // TABLE('<name>'): the name is a string the classifier does not resolve
  'variable_name', // TABLE($v), IDENTIFIER($v), IDENTIFIER(:v): a session or scripting variable
  'bind_name', // TABLE(?), IDENTIFIER(?), IDENTIFIER(:1): a bind value chosen by the client
  'expression_name', // IDENTIFIER('a' || $b) and other names computed at run time
  'result_scan', // RESULT_SCAN(…): another query's result, whatever that query read
  'dynamic_target', // a statement target that is not visible (COPY INTO IDENTIFIER($v) …)
] as const;

/** One unresolved reason. */
export type UnresolvedReason = (typeof UNRESOLVED_REASONS)[number];

/** The object reported for a construct the classifier cannot resolve. */
export function unresolvedObject(reason: UnresolvedReason): string {
  return `unresolved://${reason}`;
}

/** True for an `unresolved://…` object. */
export function isUnresolvedObject(o: string): boolean {
  return o.startsWith('unresolved://');
}

/**
 * Function classes: what calling a function can do. `read_only` functions are objects a rule must
 * allow like a table; the others are guarded (denied under any `defaultAction` unless a rule names
 * them), because they change the account, return secrets, call out of Snowflake or run code.
 */
export const FUNCTION_CLASSES = ['read_only', 'account_changing', 'secret_returning', 'external_calling', 'procedure_running', 'unknown_system'] as const;

/** One function class. */
export type FunctionClass = (typeof FUNCTION_CLASSES)[number];

const READ_ONLY = [
  'SYSTEM$TYPEOF', 'SYSTEM$CLUSTERING_INFORMATION', 'SYSTEM$CLUSTERING_DEPTH', 'SYSTEM$CLUSTERING_RATIO', 'SYSTEM$EXPLAIN_PLAN_JSON',
  'SYSTEM$EXPLAIN_JSON_TO_TEXT', 'SYSTEM$PIPE_STATUS', 'SYSTEM$STREAM_HAS_DATA', 'SYSTEM$STREAM_GET_TABLE_TIMESTAMP', 'SYSTEM$LAST_CHANGE_COMMIT_TIME',
  'SYSTEM$GET_TAG', 'SYSTEM$GET_TAG_ON_CURRENT_COLUMN', 'SYSTEM$GET_TAG_ON_CURRENT_TABLE', 'SYSTEM$GET_TAG_ALLOWED_VALUES', 'SYSTEM$BEHAVIOR_CHANGE_BUNDLE_STATUS',
  'SYSTEM$CURRENT_USER_TASK_NAME', 'SYSTEM$GET_PREDECESSOR_RETURN_VALUE', 'SYSTEM$TASK_RUNTIME_INFO', 'SYSTEM$DATABASE_REFRESH_PROGRESS',
  'SYSTEM$DATABASE_REFRESH_HISTORY', 'SYSTEM$ESTIMATE_SEARCH_OPTIMIZATION_COSTS', 'SYSTEM$ESTIMATE_QUERY_ACCELERATION', 'SYSTEM$GET_SERVICE_STATUS',
  'SYSTEM$EXTERNAL_TABLE_PIPE_STATUS', 'SYSTEM$IS_LISTING_PURCHASED', 'SYSTEM$IS_LISTING_TRIAL', 'SYSTEM$WAIT', 'SYSTEM$LOG', 'SYSTEM$LOG_TRACE',
  'SYSTEM$LOG_DEBUG', 'SYSTEM$LOG_INFO', 'SYSTEM$LOG_WARN', 'SYSTEM$LOG_ERROR', 'SYSTEM$LOG_FATAL', 'SYSTEM$GET_CLASSIFICATION_RESULT',
  'SYSTEM$DATA_METRIC_SCAN', 'SYSTEM$CLASSIFY', 'SYSTEM$REFERENCE_DETAILS', 'SYSTEM$VERSION', 'SYSTEM$ALLOWLIST', 'SYSTEM$WHITELIST',
  'BUILD_STAGE_FILE_URL', 'BUILD_SCOPED_FILE_URL',
];
const ACCOUNT_CHANGING = [
  'SYSTEM$ABORT_SESSION', 'SYSTEM$ABORT_TRANSACTION', 'SYSTEM$CANCEL_ALL_QUERIES', 'SYSTEM$CANCEL_QUERY', 'SYSTEM$AUTHORIZE_PRIVATELINK',
  'SYSTEM$REVOKE_PRIVATELINK', 'SYSTEM$AUTHORIZE_STAGE_PRIVATELINK_ACCESS', 'SYSTEM$REVOKE_STAGE_PRIVATELINK_ACCESS', 'SYSTEM$DISABLE_BEHAVIOR_CHANGE_BUNDLE',
  'SYSTEM$ENABLE_BEHAVIOR_CHANGE_BUNDLE', 'SYSTEM$GLOBAL_ACCOUNT_SET_PARAMETER', 'SYSTEM$MIGRATE_SAML_IDP_REGISTRATION', 'SYSTEM$SET_RETURN_VALUE',
  'SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS', 'SYSTEM$LINK_ACCOUNT_OBJECTS_BY_NAME', 'SYSTEM$CREATE_BILLING_EVENT', 'SYSTEM$ADD_EVENT',
  'SYSTEM$SET_SPAN_ATTRIBUTES', 'SYSTEM$DISABLE_DATABASE_REPLICATION', 'SYSTEM$SNOWPIPE_STREAMING_UPDATE_CHANNEL_OFFSET_TOKEN',
  'SYSTEM$CLEANUP_DATABASE_ROLE_GRANTS', 'SYSTEM$CONVERT_PIPES_SQS_TO_SNS', 'SYSTEM$REGISTER_PRIVATELINK_ENDPOINT', 'SYSTEM$UNREGISTER_PRIVATELINK_ENDPOINT',
  'SYSTEM$PROVISION_PRIVATELINK_ENDPOINT', 'SYSTEM$DEPROVISION_PRIVATELINK_ENDPOINT', 'SYSTEM$RESTORE_PRIVATELINK_ENDPOINT', 'SYSTEM$ACCEPT_LEGAL_TERMS',
  'SYSTEM$TRIGGER_LISTING_REFRESH', 'SYSTEM$UNSET_EVENT_SHARING_ACCOUNT_FOR_REGION', 'SYSTEM$SET_APPLICATION_RESTRICTED_FEATURE_ACCESS',
];
const SECRET_RETURNING = [
  'SYSTEM$GENERATE_SCIM_ACCESS_TOKEN', 'SYSTEM$GENERATE_SAML_CSR', 'SYSTEM$GET_PRIVATELINK_AUTHORIZED_ENDPOINTS', 'SYSTEM$GET_PRIVATELINK_CONFIG',
  'SYSTEM$GET_PRIVATELINK', 'SYSTEM$GET_SNOWFLAKE_PLATFORM_INFO', 'SYSTEM$GET_LOGIN_FAILURE_DETAILS', 'SYSTEM$SHOW_OAUTH_CLIENT_SECRETS',
  'SYSTEM$GET_AWS_SNS_IAM_POLICY', 'SYSTEM$SHOW_EVENT_SHARING_ACCOUNTS', 'SYSTEM$GET_GCP_KMS_CMK_GRANT_ACCESS_CMD', 'SYSTEM$GET_CMK_INFO',
  'SYSTEM$GET_CMK_KMS_KEY_POLICY', 'SYSTEM$GET_CMK_AKV_CONSENT_URL', 'SYSTEM$GET_SERVICE_LOGS', 'SYSTEM$GET_SECRET', 'SYSTEM$GET_SECRET_STRING',
  'SYSTEM$GET_USERNAME_PASSWORD', 'SYSTEM$GET_GENERIC_SECRET', 'SYSTEM$GET_OAUTH_ACCESS_TOKEN', 'SYSTEM$GET_CLOUD_PROVIDER_TOKEN',
  'SYSTEM$GET_AZURE_CONSENT_URL', 'SYSTEM$GET_GCS_SERVICE_ACCOUNT', 'GET_PRESIGNED_URL',
];
const EXTERNAL_CALLING = [
  'SYSTEM$SEND_EMAIL', 'SYSTEM$SEND_SNOWFLAKE_NOTIFICATION', 'SYSTEM$VALIDATE_STORAGE_INTEGRATION', 'SYSTEM$SET_EVENT_SHARING_ACCOUNT_FOR_REGION',
  'SYSTEM$START_OAUTH_FLOW', 'SYSTEM$FINISH_OAUTH_FLOW', 'SYSTEM$NOTIFY', 'SYSTEM$PUBLISH_TO_MARKETPLACE', 'SYSTEM$EXTERNAL_FUNCTION',
];
const PROCEDURE_RUNNING = ['SYSTEM$TASK_DEPENDENTS_ENABLE', 'SYSTEM$PIPE_FORCE_RESUME', 'SYSTEM$REFERENCE', 'SYSTEM$QUERY_REFERENCE', 'SYSTEM$EXECUTE_TASK'];

const BY_NAME = new Map<string, FunctionClass>();
for (const [cls, names] of [
  ['read_only', READ_ONLY],
  ['account_changing', ACCOUNT_CHANGING],
  ['secret_returning', SECRET_RETURNING],
  ['external_calling', EXTERNAL_CALLING],
  ['procedure_running', PROCEDURE_RUNNING],
] as const) {
  for (const n of names) BY_NAME.set(n, cls);
}

/**
 * The class of a built-in function called by this (upper-case, unqualified) name, or undefined when
 * the function is an ordinary scalar or aggregate built-in (UPPER, COUNT …) and not an object. Every
 * `SYSTEM$` function is an object; one the engine does not know is `unknown_system` (guarded).
 */
export function functionClassOf(name: string): FunctionClass | undefined {
  const known = BY_NAME.get(name);
  if (known !== undefined) return known;
  return name.startsWith('SYSTEM$') ? 'unknown_system' : undefined;
}

/** The object reported for a call of a classified function. */
export function functionObject(cls: FunctionClass, name: string): string {
  return `function://${cls}/${name}`;
}

/** True for a `function://…` object whose class is guarded (everything but read_only). */
export function isGuardedFunctionObject(o: string): boolean {
  return o.startsWith('function://') && !o.startsWith('function://read_only/');
}

/** The engine's own namespaces: not locations outside Snowflake. */
const INTERNAL = /^(session|function|unresolved):\/\//;

/** A location outside Snowflake (`s3://…`, `https://…`, `account://…`, `listing://…`, `external-volume://…`). */
export function isExternalLocation(o: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(o) && !INTERNAL.test(o);
}

/** Objects only an allow rule whose pattern names them can allow. */
export function needsNamingRule(o: string): boolean {
  return isUnresolvedObject(o) || isGuardedFunctionObject(o);
}
