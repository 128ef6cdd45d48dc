import type { V1Container, V1EnvVar, V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';

/** The Kubernetes Pod shape inject() reads and patches (client-node's generated types, type-only). */
export type Pod = V1Pod;
/** A container. */
export type Container = V1Container;
/** An environment variable. */
export type EnvVar = V1EnvVar;
/** A pod volume. */
export type Volume = V1Volume;
/** A container volume mount. */
export type VolumeMount = V1VolumeMount;

/** One RFC 6902 operation, as sent to the API server. */
export type PatchOperation =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Escapes a JSON Pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
