import { z } from 'zod';
import { statementPolicySchema } from '@snowtrail/policy';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const filePath = z.string().min(1);

/** The driver-facing listener. */
const listenSchema = z.strictObject({
  host: host.default('127.0.0.1').describe('Address the driver-facing listener binds. Loopback keeps it inside the pod.'),
  port: port.default(8089).describe('Port of the driver-facing listener; 0 picks a free port.'),
  tls: z
    .strictObject({
      certFile: filePath.describe('PEM certificate chain for the listener.'),
      keyFile: filePath.describe('PEM private key for the listener.'),
    })
    .optional()
    .describe('Serve the driver over HTTPS instead of HTTP.'),
  maxRequestBytes: z.number().int().positive().default(64 * 1024 * 1024).describe('Largest request body accepted, after decompression.'),
});

/** The admin listener: health and metrics. */
const adminSchema = z.strictObject({
  host: host.default('0.0.0.0').describe('Address of the admin listener (probes and Prometheus scrape it).'),
  port: port.default(9090).describe('Port serving /healthz, /readyz and /metrics; 0 picks a free port.'),
  processMetrics: z.boolean().default(false).describe('Also export Node.js process metrics (process_*, nodejs_*) on /metrics.'),
});

/** How the caller's projected service-account token is verified. */
const identitySchema = z
  .strictObject({
    issuer: z.string().min(1).describe('Expected `iss` of the projected service-account token (the cluster\'s service-account issuer).'),
    audiences: z.array(z.string().min(1)).min(1).default(['snowtrail']).describe('Accepted `aud` values.'),
    jwksUri: z.url().optional().describe('URL of the issuer\'s JWKS (cached, refreshed on an unknown kid).'),
    jwksFile: filePath.optional().describe('A JWKS file (re-read when it changes), e.g. published by the operator in the ConfigMap.'),
    podUid: z.string().min(1).optional().describe('This pod\'s uid; the token\'s kubernetes.io.pod.uid must equal it. SNOWTRAIL_POD_UID overrides it.'),
    allowedSubjects: z.array(z.string().min(1)).min(1).describe('Token subjects allowed to connect, e.g. system:serviceaccount:pipelines:etl.'),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30).describe('Tolerance applied to exp, nbf and iat.'),
  })
  .refine((v) => (v.jwksUri === undefined) !== (v.jwksFile === undefined), {
    message: 'exactly one of identity.jwksUri and identity.jwksFile must be set',
    path: ['jwksUri'],
  });

/** Snowflake's default audience for workload identity federation (CREATE USER … WORKLOAD_IDENTITY without OIDC_AUDIENCE_LIST). */
export const SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE = 'snowflakecomputing.com';
/** Where the operator mounts the token the sidecar presents to Snowflake. */
export const WORKLOAD_IDENTITY_TOKEN_FILE = '/var/run/snowtrail/workload-identity/token';

/** The sidecar's own Snowflake credential. */
const upstreamAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('keypair'),
    privateKeyFile: filePath.describe('PEM (PKCS#8 or PKCS#1) RSA private key registered on the Snowflake user.'),
    privateKeyPassphraseFile: filePath.optional().describe('File holding the passphrase of an encrypted private key.'),
  }),
  z.strictObject({ type: z.literal('pat'), tokenFile: filePath.describe('File holding a programmatic access token.') }),
  z.strictObject({ type: z.literal('password'), passwordFile: filePath.describe('File holding the password.') }),
  z.strictObject({
    type: z.literal('workloadIdentity'),
    tokenFile: filePath
      .default(WORKLOAD_IDENTITY_TOKEN_FILE)
      .describe('Projected service-account token presented to Snowflake (AUTHENTICATOR=WORKLOAD_IDENTITY, PROVIDER=OIDC); re-read at every login, never used past its exp.'),
    audience: z
      .string()
      .min(1)
      .default(SNOWFLAKE_WORKLOAD_IDENTITY_AUDIENCE)
      .describe('`aud` the token must carry (the audience the operator projects it with); Snowflake accepts snowflakecomputing.com unless the user lists others.'),
  }),
]);

/** The Snowflake account the sidecar logs in to. */
const upstreamSchema = z.strictObject({
  url: z.url().describe('Base URL of the account, e.g. https://myorg-myacct.snowflakecomputing.com.'),
  account: z.string().min(1).describe('Account identifier, e.g. myorg-myacct.'),
  user: z.string().min(1).describe('Snowflake user the sidecar logs in as.'),
  role: z.string().min(1).optional().describe('Role of every session (clients cannot override it).'),
  warehouse: z.string().min(1).optional().describe('Warehouse of every session.'),
  database: z.string().min(1).optional().describe('Database of every session.'),
  schema: z.string().min(1).optional().describe('Schema of every session.'),
  auth: upstreamAuthSchema,
  timeoutSeconds: z.number().int().positive().default(120).describe('Per-request timeout towards Snowflake.'),
});

/** Where recordings go. */
const storeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3).describe('Bucket name.'),
    prefix: z.string().default('').describe('Key prefix for every object.'),
    endpoint: z.url().optional().describe('S3-compatible endpoint (MinIO, radosgw); AWS when absent.'),
    region: z.string().default('us-east-1'),
    forcePathStyle: z.boolean().default(false).describe('Path-style addressing (needed by most S3-compatible servers).'),
    accessKeyIdFile: filePath.optional().describe('File with the access key id; the default provider chain when absent.'),
    secretAccessKeyFile: filePath.optional().describe('File with the secret access key.'),
  }),
  z.strictObject({ type: z.literal('dir'), path: filePath.describe('Directory that receives the objects (local runs).') }),
]);

/** Session recording. */
const recordingSchema = z.strictObject({
  mode: z.enum(['required', 'best-effort']).default('required').describe('required: nothing is forwarded or released unrecorded; best-effort: proxying goes on and drops are counted.'),
  writeAhead: z
    .enum(['changes', 'all'])
    .optional()
    .describe(
      'required mode (default changes): which statements wait for their `query` event to be durable (fdatasync) before they are forwarded. changes: every statement that can change anything; an effect-free read (SELECT, SHOW, DESCRIBE, EXPLAIN, LIST) is forwarded once its event is written (safe from a sidecar crash) and its answer is held until the event and the answer are durable — one fdatasync wait. all: every statement.',
    ),
  formatVersion: z
    .union([z.literal(1), z.literal(2)])
    .optional()
    .describe('Recording format written: 2 (default; result payloads as content-addressed blobs, one durable point per part) or 1 (the 0.1.0 format, result bytes as base64 events) while some reader of the store only knows v1.'),
  journalPayloadMaxBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * 1024)
    .optional()
    .describe(
      'Format 2: result payloads up to this many bytes travel in the spool journal with their `result` event, so one fdatasync makes both durable (default 0: off). Each such payload takes spool room twice until its journal is split. See docs/recording-format.md.',
    ),
  spoolDir: filePath.default('/var/spool/snowtrail').describe('Local spool (the pod\'s emptyDir).'),
  spoolMaxBytes: z.number().int().positive().default(1024 * 1024 * 1024).describe('Spool capacity; past it required mode refuses statements.'),
  store: storeSchema,
  flush: z
    .strictObject({
      intervalSeconds: z.number().positive().default(5).describe('Upload a segment at least this often.'),
      maxBytes: z.number().int().positive().default(8 * 1024 * 1024).describe('Upload a segment once it reaches this size.'),
    })
    .default({ intervalSeconds: 5, maxBytes: 8 * 1024 * 1024 }),
  objectLock: z
    .strictObject({
      mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).describe('S3 Object Lock mode applied to every object.'),
      retainDays: z.number().int().positive().describe('Retention in days from upload.'),
    })
    .optional(),
  signing: z.strictObject({
    keyFile: filePath.describe('PEM EC P-256 private key signing the digests (ES256).'),
    keyId: z.string().min(1).optional().describe('`kid` of the key; derived from the public key (RFC 7638 thumbprint) when absent.'),
  }),
  redact: z.array(z.string().min(1)).default([]).describe('Case-insensitive patterns (glob `*`) on result column names whose values are masked in the recording.'),
});

/** The sidecar configuration file, version 1. A public contract: see docs/sidecar-config.md. */
export const sidecarConfigSchema = z.strictObject({
  listen: listenSchema.default({ host: '127.0.0.1', port: 8089, maxRequestBytes: 64 * 1024 * 1024 }),
  admin: adminSchema.default({ host: '0.0.0.0', port: 9090, processMetrics: false }),
  identity: identitySchema,
  upstream: upstreamSchema,
  policy: statementPolicySchema.default({ name: 'default', generation: 0, defaultAction: 'allow', statements: [], limits: {}, verify: 'none' }),
  recording: recordingSchema,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The sidecar configuration as written in the file (before defaults). */
export type SidecarConfigInput = z.input<typeof sidecarConfigSchema>;
/** The sidecar configuration after validation and defaults. */
export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
