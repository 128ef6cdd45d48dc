import { SIDECAR_CONTAINER, VOLUMES } from '../constants.js';
import type { PolicySpec } from '../crd/policy-schema.js';
import type { Container, Pod, Volume } from './pod-types.js';
import type { InjectReason } from './reasons.js';

/**
 * Pure checks of a pod against the isolation the injection promises: the sidecar's volumes and the
 * policy's Secrets reach the sidecar only, and no pod-level sharing opens a way into the sidecar.
 * Each finding names the container and what it reached, for the denial message.
 */

/** Every volume name the injection adds. */
export const INJECTED_VOLUME_NAMES: readonly string[] = Object.values(VOLUMES);

/** Volumes only the sidecar may mount (everything the injection adds but the apps' token). */
export const SIDECAR_ONLY_VOLUME_NAMES: readonly string[] = INJECTED_VOLUME_NAMES.filter((n) => n !== VOLUMES.token);

/** Which list of the pod spec a container is in. */
export type ContainerList = 'initContainers' | 'containers' | 'ephemeralContainers';

/** A container with where it sits in the pod. */
export interface PlacedContainer {
  list: ContainerList;
  index: number;
  container: Container;
}

/** Every container of the pod, ephemeral ones included (their shape is a superset of what is read here). */
export function placedContainers(pod: Pod): PlacedContainer[] {
  const spec = pod.spec;
  if (!spec) return [];
  const lists: ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'];
  return lists.flatMap((list) => ((spec[list] ?? []) as Container[]).map((container, index) => ({ list, index, container })));
}

const LIST_WORD: Record<ContainerList, string> = { initContainers: 'init container', containers: 'container', ephemeralContainers: 'ephemeral container' };

/** "init container migrate" — how a message names a container. */
export function describeContainer(p: PlacedContainer): string {
  return `${LIST_WORD[p.list]} ${JSON.stringify(p.container.name ?? `#${p.index}`)}`;
}

/**
 * Mounts of injected volumes that are not the injection's own. `owner` is the container the
 * injection placed (undefined before injection: then nothing may mount them); the apps' token
 * mount is allowed on regular and init containers only when the injection is present.
 */
export function foreignInjectedMounts(pod: Pod, owner: PlacedContainer | undefined): string[] {
  const found: string[] = [];
  for (const p of placedContainers(pod)) {
    const isOwner = owner !== undefined && p.list === owner.list && p.index === owner.index;
    for (const m of p.container.volumeMounts ?? []) {
      if (!INJECTED_VOLUME_NAMES.includes(m.name)) continue;
      if (isOwner && SIDECAR_ONLY_VOLUME_NAMES.includes(m.name)) continue;
      if (!isOwner && owner !== undefined && m.name === VOLUMES.token && p.list !== 'ephemeralContainers') continue;
      found.push(`${describeContainer(p)} mounts ${m.name}`);
    }
  }
  return found;
}

/** The Secrets a policy hands to the sidecar. */
export function policySecretNames(spec: PolicySpec): string[] {
  const snowflake = spec.snowflake.credentials.secretName;
  return [...(snowflake ? [snowflake] : []), spec.recording.signing.secretName, ...(spec.recording.store.credentials ? [spec.recording.store.credentials.secretName] : [])];
}

function volumeSecrets(v: Volume): string[] {
  const names: string[] = [];
  if (v.secret?.secretName) names.push(v.secret.secretName);
  for (const s of v.projected?.sources ?? []) if (s.secret?.name) names.push(s.secret.name);
  return names;
}

/**
 * References to the policy's Secrets other than the injection's own volumes: a pod volume (secret
 * or projected), an env `secretKeyRef` or an `envFrom` secretRef in any container.
 */
export function foreignSecretReferences(pod: Pod, secrets: readonly string[], ownVolumes: ReadonlySet<Volume>): string[] {
  const found: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (ownVolumes.has(v)) continue;
    for (const s of volumeSecrets(v)) if (secrets.includes(s)) found.push(`volume ${JSON.stringify(v.name)} reads Secret ${s}`);
  }
  for (const p of placedContainers(pod)) {
    for (const e of p.container.env ?? []) {
      const s = e.valueFrom?.secretKeyRef?.name;
      if (s && secrets.includes(s)) found.push(`${describeContainer(p)} reads Secret ${s} into env ${e.name}`);
    }
    for (const f of p.container.envFrom ?? []) {
      const s = f.secretRef?.name;
      if (s && secrets.includes(s)) found.push(`${describeContainer(p)} reads Secret ${s} through envFrom`);
    }
  }
  return found;
}

/** Pod-level sharing the policy does not allow. */
export function disallowedHostAccess(pod: Pod, allowed: PolicySpec['podSecurity']): string[] {
  const spec: Partial<NonNullable<Pod['spec']>> = pod.spec ?? {};
  const found: string[] = [];
  if (spec.hostNetwork === true && !allowed.allowHostNetwork) found.push('hostNetwork (allow with spec.podSecurity.allowHostNetwork)');
  if (spec.hostPID === true && !allowed.allowHostPID) found.push('hostPID (allow with spec.podSecurity.allowHostPID)');
  if (spec.shareProcessNamespace === true && !allowed.allowShareProcessNamespace) found.push('shareProcessNamespace (allow with spec.podSecurity.allowShareProcessNamespace)');
  return found;
}

/** Ephemeral containers that target the sidecar (they would share its process namespace and see its files). */
export function sidecarTargets(pod: Pod): string[] {
  return placedContainers(pod)
    .filter((p) => p.list === 'ephemeralContainers' && (p.container as { targetContainerName?: string }).targetContainerName === SIDECAR_CONTAINER)
    .map((p) => `${describeContainer(p)} targets ${SIDECAR_CONTAINER}`);
}

/** What ephemeral containers reach that they must not: injected volumes, the sidecar's processes, the policy's Secrets. */
export function ephemeralFindings(pod: Pod, secrets: readonly string[]): { reason: InjectReason; text: string }[] {
  const ephemeral = placedContainers(pod).filter((p) => p.list === 'ephemeralContainers');
  const mounts = ephemeral.flatMap((p) => (p.container.volumeMounts ?? []).filter((m) => INJECTED_VOLUME_NAMES.includes(m.name)).map((m) => `${describeContainer(p)} mounts ${m.name}`));
  const refs = foreignSecretReferences({ spec: { containers: [], ephemeralContainers: ephemeral.map((p) => p.container) } } as Pod, secrets, new Set());
  return [
    ...mounts.map((text) => ({ reason: 'injected_volume_mounted' as const, text })),
    ...sidecarTargets(pod).map((text) => ({ reason: 'sidecar_targeted' as const, text })),
    ...refs.map((text) => ({ reason: 'policy_secret_referenced' as const, text })),
  ];
}
