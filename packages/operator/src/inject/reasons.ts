/**
 * Stable reason keys of an admission decision (metric label, Event reason, log field) with their
 * human text in one table, as linkerd's injection report does. Public contract.
 */
export const INJECT_REASONS = {
  injected: 'the snowtrail sidecar was injected',
  legacy_sidecar_fallback: 'the cluster is older than 1.29: the sidecar runs as a regular container started first (see docs/operator.md)',
  not_annotated: 'the pod does not name a policy (annotation snowtrail.dev/policy)',
  opt_out_annotation: 'the pod opted out with snowtrail.dev/inject: "false"',
  already_injected: 'the pod already carries the snowtrail sidecar',
  policy_not_found: 'the SnowflakeAccessPolicy the pod names does not exist in its namespace',
  policy_not_ready: 'the SnowflakeAccessPolicy the pod names is not Ready',
  policy_invalid: 'the SnowflakeAccessPolicy the pod names has an invalid spec',
  subject_not_allowed: 'the pod\'s service account is not a subject of the policy',
  not_a_pod: 'the request is not for a Pod',
  operation_not_handled: 'only CREATE is mutated',
  malformed_request: 'the AdmissionReview could not be read',
  request_too_large: 'the AdmissionReview body is larger than the webhook accepts',
  internal_error: 'the webhook failed while deciding',
} as const;

/** One reason key. */
export type InjectReason = keyof typeof INJECT_REASONS;
