/** The sidecar configuration the demo writes: what the operator would render into the pod's ConfigMap. */
import { stringify } from 'yaml';
import type { SidecarConfigInput } from '@snowtrail/config';
import { DBT_EXAMPLE_POLICY } from '@snowtrail/policy';

/** Inputs of the demo's sidecar configuration. */
export interface DemoConfigInput {
  dir: string;
  emulatorUrl: string;
  account: string;
  user: string;
  issuer: string;
  jwksUri: string;
  podUid: string;
  subject: string;
  s3: { endpoint: string; bucket: string };
  /** How the sidecar logs in to Snowflake: its projected token (workload identity) or a key pair. */
  upstreamAuth: 'workloadIdentity' | 'keypair';
}

/** Builds the sidecar config (YAML text) with the demo's policy: the dbt example (read RAW, write ANALYTICS, no exfiltration). */
export function renderDemoConfig(c: DemoConfigInput): string {
  const config: SidecarConfigInput = {
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: c.issuer, audiences: ['snowtrail'], jwksUri: c.jwksUri, podUid: c.podUid, allowedSubjects: [c.subject] },
    upstream: {
      url: c.emulatorUrl,
      account: c.account,
      user: c.user,
      role: 'TRANSFORMER',
      warehouse: 'PIPELINES',
      database: 'ANALYTICS',
      schema: 'PUBLIC',
      auth:
        c.upstreamAuth === 'keypair'
          ? { type: 'keypair', privateKeyFile: `${c.dir}/snowflake-key.pem` }
          : { type: 'workloadIdentity', tokenFile: `${c.dir}/snowflake-token`, audience: 'snowflakecomputing.com' },
    },
    policy: {
      // The documented dbt policy (docs/policy.md): read RAW.PUBLIC and ANALYTICS.PUBLIC, write
      // ANALYTICS.PUBLIC, what dbt issues and nothing more; every read is checked, also in writes.
      ...DBT_EXAMPLE_POLICY,
      name: 'daily-revenue',
      generation: 1,
      limits: { maxResultRows: 1_000_000 },
    },
    recording: {
      mode: 'required',
      spoolDir: `${c.dir}/spool`,
      store: {
        type: 's3',
        bucket: c.s3.bucket,
        prefix: 'recordings',
        endpoint: c.s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        accessKeyIdFile: `${c.dir}/s3-access-key-id`,
        secretAccessKeyFile: `${c.dir}/s3-secret-access-key`,
      },
      flush: { intervalSeconds: 1, maxBytes: 8 * 1024 * 1024 },
      signing: { keyFile: `${c.dir}/signing-key.pem` },
      redact: ['EMAIL'],
    },
    logLevel: 'warn',
  };
  return stringify(config);
}
