/**
 * Names shared by the CRD, the controller, the webhook and the chart. Public contracts: renaming
 * one is a CHANGELOG line (ARCHITECTURE.md "Naming", /tmp/apis.md "Paths in the pod").
 */

/** API group of the SnowflakeAccessPolicy resource. */
export const API_GROUP = 'snowtrail.dev';
/** The only served version. */
export const API_VERSION = 'v1alpha1';
/** Kind of the policy resource. */
export const POLICY_KIND = 'SnowflakeAccessPolicy';
/** Plural resource name (URL segment). */
export const POLICY_PLURAL = 'snowflakeaccesspolicies';
/** Singular resource name. */
export const POLICY_SINGULAR = 'snowflakeaccesspolicy';
/** Full CRD name. */
export const CRD_NAME = `${POLICY_PLURAL}.${API_GROUP}`;

/** Pod annotation that opts a pod in and names its policy. */
export const ANNOTATION_POLICY = 'snowtrail.dev/policy';
/** Pod annotation that opts a pod out (`"false"`). */
export const ANNOTATION_INJECT = 'snowtrail.dev/inject';
/** Pod annotation the webhook writes (`injected`). */
export const ANNOTATION_STATUS = 'snowtrail.dev/status';
/** Value of ANNOTATION_STATUS on an injected pod. */
export const STATUS_INJECTED = 'injected';

/** Default sidecar image. */
export const DEFAULT_IMAGE = 'ghcr.io/snowtrail/snowtrail:0.1.0';
/** Name of the injected sidecar container. */
export const SIDECAR_CONTAINER = 'snowtrail-sidecar';
/** Driver-facing port of the sidecar (loopback). */
export const DEFAULT_PROXY_PORT = 8089;
/** Admin port of the sidecar (/healthz, /readyz, /metrics). */
export const DEFAULT_ADMIN_PORT = 9090;
/** Audience of the projected token the sidecar verifies. */
export const TOKEN_AUDIENCE = 'snowtrail';
/** Lifetime of the projected token; the kubelet refreshes it at 80 %. */
export const TOKEN_EXPIRATION_SECONDS = 600;

/** Where things are mounted in the pod. */
export const POD_PATHS = {
  configDir: '/etc/snowtrail',
  configFile: '/etc/snowtrail/config.yaml',
  jwksFile: '/etc/snowtrail/jwks.json',
  credentialsDir: '/var/run/snowtrail/credentials',
  signingDir: '/var/run/snowtrail/signing',
  storeCredentialsDir: '/var/run/snowtrail/store-credentials',
  spoolDir: '/var/spool/snowtrail',
  tokenDir: '/var/run/secrets/snowtrail',
  tokenFile: '/var/run/secrets/snowtrail/token',
  /** The sidecar's own token for Snowflake (workload identity), mounted into the sidecar alone. */
  workloadIdentityDir: '/var/run/snowtrail/workload-identity',
  workloadIdentityTokenFile: '/var/run/snowtrail/workload-identity/token',
} as const;

/** Volume names the webhook adds (prefixed so they never clash with the app's). */
export const VOLUMES = {
  config: 'snowtrail-config',
  credentials: 'snowtrail-credentials',
  signing: 'snowtrail-signing',
  storeCredentials: 'snowtrail-store-credentials',
  spool: 'snowtrail-spool',
  token: 'snowtrail-token',
  workloadIdentityToken: 'snowtrail-snowflake-token',
} as const;

/** Snowflake's default audience for workload identity (a user without OIDC_AUDIENCE_LIST accepts only it). */
export const SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE = 'snowflakecomputing.com';

/** ConfigMap keys the controller writes. */
export const CONFIGMAP_KEYS = { config: 'config.yaml', jwks: 'jwks.json' } as const;

/** Name of the ConfigMap rendered for a policy (owned by it, in its namespace). */
export function configMapNameFor(policyName: string): string {
  return `snowtrail-${policyName}`;
}

/**
 * Node options of the injected sidecar (its container's NODE_OPTIONS): a 1 MiB young generation.
 * Chunk bodies pass through as 64 KiB socket buffers that are garbage once written; their memory is
 * freed only when V8 collects their small objects, and with the default young generation tens of MiB
 * of them pile up while a result streams (docs/benchmarks.md, "Sidecar memory while chunks stream").
 * V8 reads the option only at start-up, so it is set on the container, not by the process.
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=1';
