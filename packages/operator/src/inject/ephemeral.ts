import { ANNOTATION_POLICY } from '../constants.js';
import { validatePolicySpec, type SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { ephemeralFindings, policySecretNames } from './pod-guard.js';
import type { Pod } from './pod-types.js';
import { INJECT_REASONS } from './reasons.js';
import type { InjectResult } from './inject.js';

/**
 * Decides an update of `pods/ephemeralcontainers` (`kubectl debug`): pure. Ephemeral containers
 * are added to a running pod long after the injection was admitted, so they are checked on their
 * own: none may mount a volume the injection owns, target the sidecar (sharing its process
 * namespace exposes its files through /proc) or read the policy's Secrets.
 */
export function checkEphemeralContainers(pod: Pod, policy: SnowflakeAccessPolicy | undefined): InjectResult {
  const validation = policy ? validatePolicySpec(policy.spec) : undefined;
  const secrets = validation?.ok ? policySecretNames(validation.spec) : [];
  const found = ephemeralFindings(pod, secrets);
  if (found.length === 0) return { allowed: true, patch: [], reasons: ['ephemeral_containers_checked'], message: INJECT_REASONS.ephemeral_containers_checked };
  const policyName = pod.metadata?.annotations?.[ANNOTATION_POLICY];
  const where = policyName ? ` (pod using SnowflakeAccessPolicy ${policyName})` : '';
  return { allowed: false, patch: [], reasons: [...new Set(found.map((f) => f.reason))], message: `snowtrail: ephemeral container denied${where}: ${found.map((f) => f.text).join('; ')}; debug the app containers instead — the sidecar's volumes, processes and Secrets are for the sidecar only` };
}
