import { ANNOTATION_INJECT, ANNOTATION_POLICY, ANNOTATION_STATUS, SIDECAR_CONTAINER, STATUS_INJECTED, VOLUMES, POD_PATHS } from '../constants.js';
import { notReadyBecause } from '../crd/conditions.js';
import { validatePolicySpec, type SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { escapePointer, type Container, type EnvVar, type PatchOperation, type Pod } from './pod-types.js';
import { INJECT_REASONS, type InjectReason } from './reasons.js';
import { appEnv, sidecarContainer, sidecarImage, sidecarVolumes, type SidecarShape } from './sidecar-container.js';

/** How inject() renders the sidecar. */
export interface InjectOptions {
  /** Namespace of the admission request (a pod from a Deployment has none in its metadata yet). */
  namespace?: string;
  /** The operator's sidecar image (the policy may override it). */
  image?: string;
  /** Native sidecars (Kubernetes ≥ 1.29); false selects the documented fallback. Default true. */
  nativeSidecars?: boolean;
  /** Deny when the policy is not Ready for its generation. Default true; `snowtrail inject` turns it off for policy files without status. */
  requireReadyPolicy?: boolean;
}

/** The decision and, when allowed with a sidecar, the RFC 6902 patch. */
export interface InjectResult {
  allowed: boolean;
  patch: PatchOperation[];
  /** Stable reason keys, the deciding one first. */
  reasons: InjectReason[];
  /** Human text (the denial message the user sees in `kubectl` / the ReplicaSet events). */
  message: string;
}

const result = (allowed: boolean, reasons: InjectReason[], message?: string, patch: PatchOperation[] = []): InjectResult => ({
  allowed,
  patch,
  reasons,
  message: message ?? INJECT_REASONS[reasons[0]!],
});

/** True when the pod already carries the sidecar (by annotation or by container name). */
export function isInjected(pod: Pod): boolean {
  if (pod.metadata?.annotations?.[ANNOTATION_STATUS] === STATUS_INJECTED) return true;
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.name === SIDECAR_CONTAINER);
}

/** Adds or replaces env vars on one container, by name. */
function envOps(base: string, container: Container, env: readonly EnvVar[]): PatchOperation[] {
  if (!container.env || container.env.length === 0) return [{ op: 'add', path: `${base}/env`, value: env }];
  const ops: PatchOperation[] = [];
  for (const e of env) {
    const i = container.env.findIndex((x) => x.name === e.name);
    ops.push(i >= 0 ? { op: 'replace', path: `${base}/env/${i}`, value: e } : { op: 'add', path: `${base}/env/-`, value: e });
  }
  return ops;
}

/** Mounts the projected token into one app container. */
function tokenMountOps(base: string, container: Container): PatchOperation[] {
  const mount = { name: VOLUMES.token, mountPath: POD_PATHS.tokenDir, readOnly: true };
  if (!container.volumeMounts || container.volumeMounts.length === 0) return [{ op: 'add', path: `${base}/volumeMounts`, value: [mount] }];
  return [{ op: 'add', path: `${base}/volumeMounts/-`, value: mount }];
}

/** Appends items to an array field, creating it when absent. */
function appendOps(path: string, existing: readonly unknown[] | undefined, items: readonly unknown[]): PatchOperation[] {
  if (!existing || existing.length === 0) return [{ op: 'add', path, value: items }];
  return items.map((value) => ({ op: 'add', path: `${path}/-`, value }));
}

/** Builds the patch that wires the sidecar into the pod. */
function computePatch(pod: Pod, shape: SidecarShape): PatchOperation[] {
  const spec = pod.spec!;
  const ops: PatchOperation[] = [];
  const sidecar = sidecarContainer(shape);
  const env = appEnv(shape);
  if (shape.nativeSidecar) {
    // First, so regular init containers (migrations) can reach Snowflake through it too.
    ops.push(spec.initContainers?.length ? { op: 'add', path: '/spec/initContainers/0', value: sidecar } : { op: 'add', path: '/spec/initContainers', value: [sidecar] });
  } else {
    ops.push({ op: 'add', path: '/spec/containers/0', value: sidecar });
  }
  ops.push(...appendOps('/spec/volumes', spec.volumes, sidecarVolumes(shape)));
  // Indices refer to the document after the insertion above.
  const shift = 1;
  if (shape.nativeSidecar) {
    (spec.initContainers ?? []).forEach((c, i) => {
      const base = `/spec/initContainers/${i + shift}`;
      ops.push(...envOps(base, c, env), ...tokenMountOps(base, c));
    });
  }
  spec.containers.forEach((c, i) => {
    const base = `/spec/containers/${shape.nativeSidecar ? i : i + shift}`;
    ops.push(...envOps(base, c, env), ...tokenMountOps(base, c));
  });
  const annotations: Record<string, string> = { [ANNOTATION_STATUS]: STATUS_INJECTED };
  // With the sidecar first in `containers`, keep `kubectl logs/exec` defaulting to the app.
  const defaultContainer = 'kubectl.kubernetes.io/default-container';
  if (!shape.nativeSidecar && !pod.metadata?.annotations?.[defaultContainer]) annotations[defaultContainer] = spec.containers[0]!.name;
  if (!pod.metadata?.annotations) ops.push({ op: 'add', path: '/metadata/annotations', value: annotations });
  else for (const [k, v] of Object.entries(annotations)) ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(k)}`, value: v });
  return ops;
}

/**
 * Decides whether and how to inject the snowtrail sidecar into a pod: pure, called by the webhook
 * and by `snowtrail inject`. `policy` is the SnowflakeAccessPolicy the pod names (looked up in the
 * pod's namespace), undefined when it does not exist. A pod naming a missing, invalid or not-Ready
 * policy is denied (docs/adr/0041-deny-pods-without-a-ready-policy.md).
 */
export function inject(pod: Pod, policy: SnowflakeAccessPolicy | undefined, options: InjectOptions = {}): InjectResult {
  const annotations = pod.metadata?.annotations ?? {};
  const policyName = annotations[ANNOTATION_POLICY];
  if (!policyName) return result(true, ['not_annotated']);
  if (annotations[ANNOTATION_INJECT] === 'false') return result(true, ['opt_out_annotation']);
  if (isInjected(pod)) return result(true, ['already_injected']);
  const namespace = pod.metadata?.namespace ?? options.namespace ?? 'default';
  const where = `SnowflakeAccessPolicy ${namespace}/${policyName}`;
  if (!policy) {
    return result(false, ['policy_not_found'], `snowtrail: ${where} does not exist; a pod naming a policy is never admitted unrecorded (create the policy or fix the annotation ${ANNOTATION_POLICY})`);
  }
  const validation = validatePolicySpec(policy.spec);
  if (!validation.ok) return result(false, ['policy_invalid'], `snowtrail: ${where} is invalid: ${validation.issues.join('; ')}`);
  if (options.requireReadyPolicy !== false) {
    const why = notReadyBecause(policy);
    if (why) return result(false, ['policy_not_ready'], `snowtrail: ${where} is not Ready: ${why}; see kubectl describe snowflakeaccesspolicy ${policyName} -n ${namespace}`);
  }
  const spec = validation.spec;
  const serviceAccount = pod.spec?.serviceAccountName || 'default';
  if (!spec.subjects.some((s) => s.serviceAccount === serviceAccount)) {
    return result(false, ['subject_not_allowed'], `snowtrail: service account ${serviceAccount} is not a subject of ${where} (allowed: ${spec.subjects.map((s) => s.serviceAccount).join(', ')})`);
  }
  if (!pod.spec || pod.spec.containers.length === 0) return result(false, ['internal_error'], 'snowtrail: the pod has no containers');
  const nativeSidecar = options.nativeSidecars !== false;
  const shape: SidecarShape = { policyName, spec, image: sidecarImage(spec, options.image), nativeSidecar };
  const reasons: InjectReason[] = nativeSidecar ? ['injected'] : ['injected', 'legacy_sidecar_fallback'];
  return result(true, reasons, undefined, computePatch(pod, shape));
}
