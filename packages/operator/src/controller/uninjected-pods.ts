import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_INJECT, ANNOTATION_POLICY } from '../constants.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { isInjectedFor, type InjectOptions } from '../inject/inject.js';

/** Stable Event reason for a pod that names a policy but runs without the sidecar. */
export const UNINJECTED_REASON = 'uninjected_pod';

/** The policy a pod names, from the controller's cache. */
export type PodPolicyLookup = (namespace: string, name: string) => SnowflakeAccessPolicy | undefined;

/**
 * True when a live pod asks for a policy (and did not opt out) but does not carry exactly the
 * injection that policy calls for: the webhook was down or bypassed, the pod predates the
 * webhook/policy, or it imitates the sidecar (a container name or status annotation proves nothing;
 * the injection is recomputed and compared). A pod created before a change of the policy's sidecar
 * settings is reported too until it is replaced.
 */
export function isUninjected(pod: V1Pod, lookup: PodPolicyLookup, options: Pick<InjectOptions, 'image' | 'nativeSidecars'> = {}): boolean {
  const a = pod.metadata?.annotations ?? {};
  if (!a[ANNOTATION_POLICY] || a[ANNOTATION_INJECT] === 'false') return false;
  if (pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const namespace = pod.metadata?.namespace ?? 'default';
  return !isInjectedFor(pod, lookup(namespace, a[ANNOTATION_POLICY]), { ...options, namespace });
}

/** Tracks uninjected pods by uid; tells the caller when a pod is newly flagged. */
export class UninjectedPodTracker {
  private readonly flagged = new Map<string, { namespace: string; policy: string }>();

  /** `isUninjected` decides; the tracker only remembers. */
  constructor(private readonly isUninjected: (pod: V1Pod) => boolean) {}

  /** Updates the pod's state; returns true when it has just become flagged. */
  observe(pod: V1Pod): boolean {
    const uid = pod.metadata?.uid;
    if (!uid) return false;
    if (this.isUninjected(pod)) {
      if (this.flagged.has(uid)) return false;
      this.flagged.set(uid, { namespace: pod.metadata?.namespace ?? '', policy: pod.metadata?.annotations?.[ANNOTATION_POLICY] ?? '' });
      return true;
    }
    this.flagged.delete(uid);
    return false;
  }

  /** Forgets a deleted pod. */
  forget(pod: V1Pod): void {
    if (pod.metadata?.uid) this.flagged.delete(pod.metadata.uid);
  }

  /** How many pods are flagged now. */
  get count(): number {
    return this.flagged.size;
  }

  /** The namespace and policy of each flagged pod (the metric's labels). */
  pods(): { namespace: string; policy: string }[] {
    return [...this.flagged.values()];
  }
}
