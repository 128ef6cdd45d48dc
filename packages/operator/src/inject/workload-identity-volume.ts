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

/** Audiences a token must not be projected for outside the injection: Snowflake's, and the policy's own. */
export function snowflakeAudiences(spec: PolicySpec): string[] {
  return [...new Set([SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE, ...(usesWorkloadIdentity(spec) ? [workloadIdentityAudience(spec)] : [])])];
}

/**
 * Volumes of the pod, other than the injection's own, that project a service-account token for a
 * Snowflake audience. Snowflake trusts the ServiceAccount, not the container: any container holding
 * such a token could log in to Snowflake directly, without policy or recording.
 */
export function foreignSnowflakeTokenProjections(pod: { spec?: { volumes?: Volume[] } }, spec: PolicySpec, ownVolumes: ReadonlySet<Volume>): string[] {
  const audiences = snowflakeAudiences(spec);
  const found: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (ownVolumes.has(v)) continue;
    for (const s of v.projected?.sources ?? []) {
      const aud = s.serviceAccountToken?.audience;
      if (aud !== undefined && audiences.includes(aud)) found.push(`volume ${JSON.stringify(v.name)} projects a service-account token for audience ${aud}`);
    }
  }
  return found;
}
