import { stringify } from 'yaml';
import { parseSidecarConfig, type SidecarConfig, type SidecarConfigInput } from '@snowtrail/config';
import { POD_PATHS } from '../constants.js';
import type { PolicySpec } from '../crd/policy-schema.js';
import { sidecarPorts } from '../inject/sidecar-container.js';
import { workloadIdentityAudience } from '../inject/workload-identity-volume.js';

/** What the API server publishes about its service-account tokens. */
export interface ServiceAccountIssuer {
  issuer: string;
  jwks: { keys: unknown[] };
}

/** The Snowflake base URL: explicit url, host override, or the account's public host. */
export function snowflakeUrl(spec: PolicySpec): string {
  if (spec.snowflake.url) return spec.snowflake.url.replace(/\/+$/, '');
  return `https://${spec.snowflake.host ?? `${spec.snowflake.account.toLowerCase().replaceAll('_', '-')}.snowflakecomputing.com`}`;
}

function upstreamAuth(spec: PolicySpec): SidecarConfigInput['upstream']['auth'] {
  const c = spec.snowflake.credentials;
  const file = (key: string) => `${POD_PATHS.credentialsDir}/${key}`;
  if (c.type === 'pat') return { type: 'pat', tokenFile: file(c.tokenKey) };
  if (c.type === 'password') return { type: 'password', passwordFile: file(c.passwordKey) };
  if (c.type === 'workloadIdentity') return { type: 'workloadIdentity', tokenFile: POD_PATHS.workloadIdentityTokenFile, audience: workloadIdentityAudience(spec) };
  return { type: 'keypair', privateKeyFile: file(c.privateKeyKey), ...(c.privateKeyPassphraseKey ? { privateKeyPassphraseFile: file(c.privateKeyPassphraseKey) } : {}) };
}

/** Builds the sidecar config object for a policy; file paths match the mounts inject() creates. */
export function buildSidecarConfig(meta: { name: string; namespace: string; generation: number }, spec: PolicySpec, issuer: string): SidecarConfigInput {
  const ports = sidecarPorts(spec);
  const rec = spec.recording;
  const store = rec.store;
  return {
    listen: { host: '127.0.0.1', port: ports.proxy },
    admin: { host: '0.0.0.0', port: ports.admin },
    identity: {
      issuer,
      audiences: ['snowtrail'],
      jwksFile: POD_PATHS.jwksFile,
      allowedSubjects: spec.subjects.map((s) => `system:serviceaccount:${meta.namespace}:${s.serviceAccount}`),
    },
    upstream: {
      url: snowflakeUrl(spec),
      account: spec.snowflake.account,
      user: spec.snowflake.user,
      ...(spec.snowflake.role ? { role: spec.snowflake.role } : {}),
      ...(spec.snowflake.warehouse ? { warehouse: spec.snowflake.warehouse } : {}),
      ...(spec.snowflake.database ? { database: spec.snowflake.database } : {}),
      ...(spec.snowflake.schema ? { schema: spec.snowflake.schema } : {}),
      ...(spec.snowflake.timeoutSeconds ? { timeoutSeconds: spec.snowflake.timeoutSeconds } : {}),
      auth: upstreamAuth(spec),
    },
    policy: { name: meta.name, generation: meta.generation, defaultAction: spec.defaultAction, statements: spec.statements, limits: spec.limits, verify: spec.verify },
    recording: {
      mode: rec.mode,
      spoolDir: POD_PATHS.spoolDir,
      ...(rec.spoolMaxBytes ? { spoolMaxBytes: rec.spoolMaxBytes } : {}),
      store: {
        type: 's3',
        bucket: store.bucket,
        prefix: store.prefix,
        ...(store.endpoint ? { endpoint: store.endpoint } : {}),
        region: store.region,
        forcePathStyle: store.forcePathStyle,
        ...(store.credentials
          ? {
              accessKeyIdFile: `${POD_PATHS.storeCredentialsDir}/${store.credentials.accessKeyIdKey}`,
              secretAccessKeyFile: `${POD_PATHS.storeCredentialsDir}/${store.credentials.secretAccessKeyKey}`,
            }
          : {}),
      },
      ...(rec.flush ? { flush: rec.flush } : {}),
      ...(rec.objectLock ? { objectLock: { mode: rec.objectLock.mode, retainDays: rec.objectLock.days } } : {}),
      signing: { keyFile: `${POD_PATHS.signingDir}/${rec.signing.key}`, ...(rec.signing.keyId ? { keyId: rec.signing.keyId } : {}) },
      redact: rec.redact,
      ...(rec.writeAhead ? { writeAhead: rec.writeAhead } : {}),
    },
    logLevel: spec.sidecar?.logLevel ?? 'info',
  };
}

/** The ConfigMap data for a policy: config.yaml (checked by the sidecar's own loader) and jwks.json. */
export function renderConfigMapData(meta: { name: string; namespace: string; generation: number }, spec: PolicySpec, sa: ServiceAccountIssuer): { data: Record<string, string>; config: SidecarConfig } {
  const text = `# Rendered by the snowtrail operator from SnowflakeAccessPolicy ${meta.namespace}/${meta.name} (generation ${meta.generation}); edits are overwritten.\n${stringify(buildSidecarConfig(meta, spec, sa.issuer), { lineWidth: 0 })}`;
  // Throws ConfigError (SNOWTRAIL_ERR_CONFIG_INVALID) when the operator and the sidecar disagree.
  const config = parseSidecarConfig(text, `config for ${meta.namespace}/${meta.name}`);
  return { data: { 'config.yaml': text, 'jwks.json': `${JSON.stringify(sa.jwks)}\n` }, config };
}
