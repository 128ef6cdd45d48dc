/**
 * The sidecar's Snowflake credential in the pod: a Secret volume (key pair, PAT, password) or, for
 * `credentials.type: workloadIdentity`, a projected service-account token with Snowflake's audience.
 * Either is mounted into the sidecar alone; the pod guard treats both as sidecar-only volumes.
 */
import { POD_PATHS, SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE, TOKEN_EXPIRATION_SECONDS, VOLUMES } from '../constants.js';
import type { PolicySpec } from '../crd/policy-schema.js';
import type { Volume, VolumeMount } from './pod-types.js';

/** True when the sidecar logs in to Snowflake with the pod's projected token instead of a Secret. */
export function usesWorkloadIdentity(spec: PolicySpec): boolean {
  return spec.snowflake.credentials.type === 'workloadIdentity';
}

/** The audience the token for Snowflake is projected with. */
export function workloadIdentityAudience(spec: PolicySpec): string {
  return spec.snowflake.credentials.audience ?? SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE;
}

/** The volume holding the sidecar's Snowflake credential. */
export function credentialVolume(spec: PolicySpec, secretMode: number): Volume {
  if (usesWorkloadIdentity(spec)) {
    return {
      name: VOLUMES.workloadIdentityToken,
      projected: {
        sources: [{ serviceAccountToken: { audience: workloadIdentityAudience(spec), expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } }],
      },
    };
  }
  return { name: VOLUMES.credentials, secret: { secretName: spec.snowflake.credentials.secretName!, defaultMode: secretMode } };
}

/** Where the sidecar mounts its Snowflake credential. */
export function credentialMount(spec: PolicySpec): VolumeMount {
  return usesWorkloadIdentity(spec)
    ? { name: VOLUMES.workloadIdentityToken, mountPath: POD_PATHS.workloadIdentityDir, readOnly: true }
    : { name: VOLUMES.credentials, mountPath: POD_PATHS.credentialsDir, readOnly: true };
}
