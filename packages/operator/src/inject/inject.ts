import { ANNOTATION_INJECT, ANNOTATION_POLICY, ANNOTATION_STATUS, STATUS_INJECTED } from '../constants.js';
import { notReadyBecause } from '../crd/conditions.js';
import { validatePolicySpec, type SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { escapePointer, type Container, type EnvVar, type PatchOperation, type Pod } from './pod-types.js';
import { INJECT_REASONS, type InjectReason } from './reasons.js';
import { disallowedHostAccess, foreignInjectedMounts, foreignSecretReferences, policySecretNames, sidecarTargets } from './pod-guard.js';
import { foreignSnowflakeTokenProjections } from './workload-identity-volume.js';
import { appEnv, appTokenMount, sidecarContainer, sidecarImage, sidecarVolumes, type SidecarShape } from './sidecar-container.js';
import { injectionTraces, verifyInjection, type InjectionTraces } from './verify-injection.js';

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

/**
 * The env of one container after the injection: each name the injection sets keeps the position
 * of its first occurrence with the injected value, later duplicates are dropped (Kubernetes uses
 * the last entry of a name, so a duplicate left behind would override the injected value), and
 * names the container did not set are appended.
 */
export function injectedEnv(existing: readonly EnvVar[], env: readonly EnvVar[]): EnvVar[] {
  const byName = new Map(env.map((e) => [e.name, e]));
  const seen = new Set<string>();
  const out: EnvVar[] = [];
  for (const e of existing) {
    const mine = byName.get(e.name);
    if (!mine) out.push(e);
    else if (!seen.has(e.name)) {
      seen.add(e.name);
      out.push(mine);
    }
  }
  for (const e of env) if (!seen.has(e.name)) out.push(e);
  return out;
}

/** Sets the injected env on one container (one operation: indices would shift under removals). */
function envOps(base: string, container: Container, env: readonly EnvVar[]): PatchOperation[] {
  if (!container.env || container.env.length === 0) return [{ op: 'add', path: `${base}/env`, value: env }];
  return [{ op: 'replace', path: `${base}/env`, value: injectedEnv(container.env, env) }];
}

/** Mounts the projected token into one app container. */
function tokenMountOps(base: string, container: Container): PatchOperation[] {
  const mount = appTokenMount();
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

// A denial message is read in `kubectl` output and Events: the first findings say enough.
const MAX_FINDINGS = 5;
function summarise(found: readonly string[]): string {
  const more = found.length - MAX_FINDINGS;
  return more > 0 ? `${found.slice(0, MAX_FINDINGS).join('; ')}; and ${more} more` : found.join('; ');
}

/** Denials of a pod that would let a container other than the sidecar reach what the injection guards. */
function isolationDenial(pod: Pod, shape: SidecarShape, traces: InjectionTraces | undefined, where: string): InjectResult | undefined {
  const owner = traces?.sidecars.length === 1 ? traces.sidecars[0] : undefined;
  const deny = (reason: InjectReason, found: string[], why: string) => result(false, [reason], `snowtrail: denied for ${where}: ${summarise(found)}; ${why}`);
  const mounts = foreignInjectedMounts(pod, owner);
  const mountDenial = () => deny('injected_volume_mounted', mounts, 'only the injected sidecar may mount the credentials, Snowflake token, signing key, spool and config volumes the injection adds');
  if (traces) {
    // Without a sidecar, mounting an injected volume is the attack itself: name it first.
    if (traces.sidecars.length === 0 && mounts.length) return mountDenial();
    const diffs = verifyInjection(pod, traces, shape);
    if (diffs.length && traces.sidecars.length === 0) return deny('injected_volume_declared', traces.volumes.map((v) => `the pod declares volume ${v.name}`), 'volumes with these names are the injection\'s own');
    if (diffs.length) return deny('injection_mismatch', diffs, 'a pod carrying the sidecar must carry exactly what the injection writes for this policy');
  }
  if (mounts.length) return mountDenial();
  const ownVolumes = new Set(traces?.volumes ?? []);
  const secrets = foreignSecretReferences(pod, policySecretNames(shape.spec), ownVolumes);
  if (secrets.length) return deny('policy_secret_referenced', secrets, 'the Secrets of the policy are for the sidecar only');
  const projections = foreignSnowflakeTokenProjections(pod, shape.spec, ownVolumes);
  if (projections.length) return deny('snowflake_token_projected', projections, 'only the injected sidecar may hold a token Snowflake accepts');
  const targets = sidecarTargets(pod);
  if (targets.length) return deny('sidecar_targeted', targets, 'an ephemeral container sharing the sidecar\'s process namespace sees its files through /proc');
  const host = disallowedHostAccess(pod, shape.spec.podSecurity);
  if (host.length) return deny('host_namespace_not_allowed', host, 'each lets the app containers reach the sidecar\'s processes or listeners (docs/operator.md, "Pod isolation")');
  return undefined;
}

/**
 * Decides whether and how to inject the snowtrail sidecar into a pod: pure, called by the webhook
 * and by `snowtrail inject`. `policy` is the SnowflakeAccessPolicy the pod names (looked up in the
 * pod's namespace), undefined when it does not exist. A pod naming a missing, invalid or not-Ready
 * policy is denied (docs/adr/0041-deny-pods-without-a-ready-policy.md); so is a pod in which
 * anything but the injected sidecar could reach the sidecar's volumes or the policy's Secrets
 * (docs/adr/0045-admission-recognises-only-its-own-injection.md).
 */
export function inject(pod: Pod, policy: SnowflakeAccessPolicy | undefined, options: InjectOptions = {}): InjectResult {
  const annotations = pod.metadata?.annotations ?? {};
  const policyName = annotations[ANNOTATION_POLICY];
  if (!policyName) return result(true, ['not_annotated']);
  if (annotations[ANNOTATION_INJECT] === 'false') return result(true, ['opt_out_annotation']);
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
  if (!pod.spec || !Array.isArray(pod.spec.containers) || pod.spec.containers.length === 0) return result(false, ['internal_error'], 'snowtrail: the pod has no containers');
  const nativeSidecar = options.nativeSidecars !== false;
  const shape: SidecarShape = { policyName, spec, image: sidecarImage(spec, options.image), nativeSidecar };
  const traces = injectionTraces(pod);
  const denial = isolationDenial(pod, shape, traces, where);
  if (denial) return denial;
  if (traces) return result(true, ['already_injected']);
  const reasons: InjectReason[] = nativeSidecar ? ['injected'] : ['injected', 'legacy_sidecar_fallback'];
  return result(true, reasons, undefined, computePatch(pod, shape));
}

/**
 * True when the pod carries exactly the injection `policy` calls for (recomputed and compared, not
 * taken from a name or annotation): what the controller's un-injected-pods check asks.
 */
export function isInjectedFor(pod: Pod, policy: SnowflakeAccessPolicy | undefined, options: Omit<InjectOptions, 'requireReadyPolicy'> = {}): boolean {
  const r = inject(pod, policy, { ...options, requireReadyPolicy: false });
  return r.allowed && r.reasons[0] === 'already_injected';
}
