import type { PolicySpec } from '../crd/policy-schema.js';
import {
  DEFAULT_ADMIN_PORT, DEFAULT_IMAGE, DEFAULT_PROXY_PORT, POD_PATHS, SIDECAR_CONTAINER, SIDECAR_NODE_OPTIONS, TOKEN_AUDIENCE, TOKEN_EXPIRATION_SECONDS, VOLUMES, configMapNameFor,
} from '../constants.js';
import type { Container, EnvVar, Volume, VolumeMount } from './pod-types.js';
import { credentialMount, credentialVolume } from './workload-identity-volume.js';

/** Inputs that shape the sidecar, after defaults. */
export interface SidecarShape {
  policyName: string;
  spec: PolicySpec;
  image: string;
  nativeSidecar: boolean;
}

/** The ports the sidecar listens on. */
export function sidecarPorts(spec: PolicySpec): { proxy: number; admin: number } {
  return { proxy: spec.sidecar?.ports?.proxy ?? DEFAULT_PROXY_PORT, admin: spec.sidecar?.ports?.admin ?? DEFAULT_ADMIN_PORT };
}

/** The image of the sidecar: the policy's override, then the operator's, then the release default. */
export function sidecarImage(spec: PolicySpec, operatorImage: string | undefined): string {
  return spec.sidecar?.image ?? operatorImage ?? DEFAULT_IMAGE;
}

// Secrets are mounted 0444: the sidecar runs as a fixed non-root uid and Secret files are owned
// by root, so 0400 would make them unreadable; only the sidecar container mounts these volumes,
// which is what keeps them away from the app containers.
const SECRET_MODE = 0o444;
const MI = 1024 * 1024;
const DEFAULT_SPOOL_BYTES = 1024 * MI;
// Headroom above the spool capacity: the sidecar refuses statements at capacity, the kubelet
// evicts the pod past sizeLimit, so the limit must sit above what the sidecar ever writes.
const SPOOL_HEADROOM_MI = 128;

/** Volumes the sidecar and the app containers need. */
export function sidecarVolumes(shape: SidecarShape): Volume[] {
  const { spec } = shape;
  const spoolMi = Math.ceil((spec.recording.spoolMaxBytes ?? DEFAULT_SPOOL_BYTES) / MI) + SPOOL_HEADROOM_MI;
  const volumes: Volume[] = [
    { name: VOLUMES.config, configMap: { name: configMapNameFor(shape.policyName) } },
    credentialVolume(spec, SECRET_MODE),
    { name: VOLUMES.signing, secret: { secretName: spec.recording.signing.secretName, defaultMode: SECRET_MODE } },
  ];
  if (spec.recording.store.credentials) {
    volumes.push({ name: VOLUMES.storeCredentials, secret: { secretName: spec.recording.store.credentials.secretName, defaultMode: SECRET_MODE } });
  }
  volumes.push(
    { name: VOLUMES.spool, emptyDir: { sizeLimit: `${spoolMi}Mi` } },
    {
      name: VOLUMES.token,
      projected: { sources: [{ serviceAccountToken: { audience: TOKEN_AUDIENCE, expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } }] },
    },
  );
  return volumes;
}

const fieldEnv = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

// The kubelet runs a container's postStart hook to completion before it starts the next
// container in the list (the trick Istio's holdApplicationUntilProxyStarts uses), so on clusters
// without native sidecars the app containers still start only once the proxy answers /readyz.
function waitReadyScript(adminPort: number): string {
  return [
    'const u="http://127.0.0.1:' + adminPort + '/readyz";const end=Date.now()+120000;',
    'const t=()=>fetch(u).then(r=>{if(r.ok)process.exit(0);throw 0}).catch(()=>Date.now()>end?process.exit(1):setTimeout(t,250));t();',
  ].join('');
}

/** The sidecar container (an initContainer with restartPolicy Always, or a first regular container). */
export function sidecarContainer(shape: SidecarShape): Container {
  const { spec } = shape;
  const ports = sidecarPorts(spec);
  const res = spec.sidecar?.resources;
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: ports.admin, scheme: 'HTTP' },
    periodSeconds,
    timeoutSeconds: 1,
    failureThreshold,
  });
  const container: Container = {
    name: SIDECAR_CONTAINER,
    image: shape.image,
    imagePullPolicy: spec.sidecar?.imagePullPolicy ?? 'IfNotPresent',
    args: ['sidecar', '--config', POD_PATHS.configFile],
    ports: [{ name: 'snowtrail-admin', containerPort: ports.admin, protocol: 'TCP' }],
    env: [
      fieldEnv('SNOWTRAIL_POD_UID', 'metadata.uid'),
      fieldEnv('SNOWTRAIL_POD_NAME', 'metadata.name'),
      fieldEnv('SNOWTRAIL_POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('SNOWTRAIL_SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      { name: 'NODE_OPTIONS', value: SIDECAR_NODE_OPTIONS },
    ],
    resources: {
      requests: { cpu: res?.requests?.cpu ?? '50m', memory: res?.requests?.memory ?? '64Mi' },
      limits: { memory: res?.limits?.memory ?? '256Mi', ...(res?.limits?.cpu ? { cpu: res.limits.cpu } : {}) },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: VOLUMES.config, mountPath: POD_PATHS.configDir, readOnly: true },
      credentialMount(spec),
      { name: VOLUMES.signing, mountPath: POD_PATHS.signingDir, readOnly: true },
      ...(spec.recording.store.credentials ? [{ name: VOLUMES.storeCredentials, mountPath: POD_PATHS.storeCredentialsDir, readOnly: true }] : []),
      { name: VOLUMES.spool, mountPath: POD_PATHS.spoolDir },
    ],
    readinessProbe: probe('/readyz', 5, 3),
    livenessProbe: probe('/healthz', 10, 3),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  if (shape.nativeSidecar) {
    container.restartPolicy = 'Always';
    // Up to 2 minutes for the first JWKS read and spool recovery before the pod is failed.
    container.startupProbe = probe('/readyz', 1, 120);
  } else {
    container.lifecycle = { postStart: { exec: { command: ['node', '-e', waitReadyScript(ports.admin)] } } };
  }
  return container;
}

/** The token mount every app container gets (read-only; the sidecar itself never mounts it). */
export function appTokenMount(): VolumeMount {
  return { name: VOLUMES.token, mountPath: POD_PATHS.tokenDir, readOnly: true };
}

/** Env every app container gets: what Snowflake drivers read, plus SNOWTRAIL_* for URL-minded clients. */
export function appEnv(shape: SidecarShape): EnvVar[] {
  const { proxy } = sidecarPorts(shape.spec);
  return [
    { name: 'SNOWFLAKE_ACCOUNT', value: shape.spec.snowflake.account },
    { name: 'SNOWFLAKE_HOST', value: '127.0.0.1' },
    { name: 'SNOWFLAKE_PORT', value: String(proxy) },
    { name: 'SNOWFLAKE_PROTOCOL', value: 'http' },
    { name: 'SNOWFLAKE_AUTHENTICATOR', value: 'OAUTH' },
    { name: 'SNOWFLAKE_TOKEN_FILE', value: POD_PATHS.tokenFile },
    // For drivers set up for workload identity (docs/drivers.md): the same token as an OIDC attestation;
    // snowflake-sdk only sends one to hosts this list allows.
    { name: 'SNOWFLAKE_WORKLOAD_IDENTITY_PROVIDER', value: 'OIDC' },
    { name: 'SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES', value: '127.0.0.1' },
    { name: 'SNOWTRAIL_ACCESS_URL', value: `http://127.0.0.1:${proxy}` },
    { name: 'SNOWTRAIL_TOKEN_FILE', value: POD_PATHS.tokenFile },
    { name: 'SNOWTRAIL_POLICY', value: shape.policyName },
  ];
}
