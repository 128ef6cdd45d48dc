import type { PolicyCondition, SnowflakeAccessPolicy } from './policy-schema.js';

/** Reasons of the Ready condition (CamelCase, Kubernetes convention). Public contract. */
export const READY_REASONS = {
  Reconciled: 'the sidecar config is rendered and every referenced Secret holds its keys',
  InvalidSpec: 'the spec fails validation',
  SecretNotFound: 'a referenced Secret does not exist',
  SecretKeyMissing: 'a referenced Secret lacks a named key',
  JwksUnavailable: 'the API server\'s service-account JWKS could not be read',
  ConfigMapConflict: 'a ConfigMap with the rendered name exists and is not owned by this policy',
  RenderFailed: 'the rendered sidecar config is rejected by the sidecar\'s own loader',
} as const;

/** A Ready reason. */
export type ReadyReason = keyof typeof READY_REASONS;

/** The policy's Ready condition, if any. */
export function readyCondition(policy: Pick<SnowflakeAccessPolicy, 'status'>): PolicyCondition | undefined {
  return policy.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Why a policy cannot be used for injection, or undefined when it can: Ready=True for its current generation. */
export function notReadyBecause(policy: Pick<SnowflakeAccessPolicy, 'status' | 'metadata'>): string | undefined {
  const ready = readyCondition(policy);
  if (!ready) return 'it has not been reconciled yet';
  if (ready.status !== 'True') return `Ready=${ready.status} (${ready.reason}${ready.message ? `: ${ready.message}` : ''})`;
  const generation = policy.metadata.generation;
  const observed = ready.observedGeneration ?? policy.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return `its generation ${generation} has not been reconciled yet (observed ${observed})`;
  }
  return undefined;
}

/** Builds a condition, keeping lastTransitionTime when the status did not change. */
export function nextCondition(previous: PolicyCondition | undefined, next: Omit<PolicyCondition, 'lastTransitionTime'>, now: Date): PolicyCondition {
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { ...next, lastTransitionTime };
}
