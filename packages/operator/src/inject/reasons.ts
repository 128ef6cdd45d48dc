/**
 * Stable reason keys of an admission decision (metric label, Event reason, log field) with their
 * human text in one table, as linkerd's injection report does. Public contract.
 */
export const INJECT_REASONS = {
  injected: 'the snowtrail sidecar was injected',
  legacy_sidecar_fallback: 'the cluster is older than 1.29: the sidecar runs as a regular container started first (see docs/operator.md)',
  not_annotated: 'the pod does not name a policy (annotation snowtrail.dev/policy)',
  opt_out_annotation: 'the pod opted out with snowtrail.dev/inject: "false"',
  already_injected: 'the pod already carries exactly the injection its policy calls for',
  policy_not_found: 'the SnowflakeAccessPolicy the pod names does not exist in its namespace',
  policy_not_ready: 'the SnowflakeAccessPolicy the pod names is not Ready',
  policy_invalid: 'the SnowflakeAccessPolicy the pod names has an invalid spec',
  subject_not_allowed: 'the pod\'s service account is not a subject of the policy',
  injected_volume_mounted: 'a container other than the sidecar mounts a volume the injection owns (credentials, signing key, spool, config)',
  injected_volume_declared: 'the pod declares a volume with the name of one the injection adds',
  injection_mismatch: 'the pod carries a sidecar or injected volumes that differ from what the injection writes for its policy',
  policy_secret_referenced: 'the pod reads one of the policy\'s Secrets other than through the injected sidecar',
  host_namespace_not_allowed: 'the pod uses hostNetwork, hostPID or shareProcessNamespace, which its policy does not allow',
  snowflake_token_projected: 'the pod projects a service-account token for Snowflake\'s audience outside the injection; a container holding it could log in to Snowflake unrecorded',
  sidecar_targeted: 'an ephemeral container targets the sidecar and would share its processes and files',
  not_a_pod: 'the request is not for a Pod',
  operation_not_handled: 'only pod CREATE and ephemeral-container updates are checked',
  ephemeral_containers_checked: 'the new ephemeral containers reach nothing the injection guards',
  malformed_request: 'the AdmissionReview could not be read',
  request_too_large: 'the AdmissionReview body is larger than the webhook accepts',
  internal_error: 'the webhook failed while deciding',
} as const;

/** One reason key. */
export type InjectReason = keyof typeof INJECT_REASONS;
