import { z } from 'zod';
import { policyVerifySchema, resultLimitsSchema, statementRuleSchema } from '@snowtrail/policy';
import type { API_GROUP, API_VERSION, POLICY_KIND } from '../constants.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_PROXY_PORT } from '../constants.js';
import { withCel } from './cel.js';

/**
 * The SnowflakeAccessPolicy spec and status in zod: the ONE source of the TypeScript types, of the
 * controller's validation and (through crd-manifest.ts) of the CRD's openAPIV3Schema. See
 * docs/adr/0040-crd-schema-from-zod.md.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// The Kubernetes resource.Quantity grammar (apimachinery/pkg/api/resource/quantity.go).
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

const objectName = z.string().min(1).max(253).regex(DNS_SUBDOMAIN);
const secretKey = (def: string, what: string) => z.string().min(1).max(253).regex(SECRET_KEY).default(def).describe(`Key in the Secret holding ${what}.`);
const port = z.number().int().min(1).max(65535);
const quantity = z.string().regex(QUANTITY).describe('A Kubernetes quantity, e.g. 100m or 128Mi.');

/** A service account allowed to use the policy (in the policy's namespace). */
export const subjectSchema = z.strictObject({
  serviceAccount: objectName.describe('Name of a ServiceAccount in the policy\'s namespace whose pods may use this policy.'),
});

/** Snowflake credentials held in a Secret of the policy's namespace (mounted into the sidecar only). */
export const credentialsSchema = withCel(
  z.strictObject({
    secretName: objectName.optional().describe('Secret in the policy\'s namespace holding the sidecar\'s Snowflake credential (every type but workloadIdentity, which needs none).'),
    type: z
      .enum(['keypair', 'pat', 'password', 'workloadIdentity'])
      .default('keypair')
      .describe('Authentication the sidecar uses towards Snowflake: key-pair JWT, programmatic access token, password, or workload identity (the pod\'s projected service-account token, no Secret).'),
    audience: z.string().min(1).max(255).optional().describe('Type workloadIdentity: the audience of the token projected for Snowflake (default snowflakecomputing.com; must be in the user\'s OIDC_AUDIENCE_LIST otherwise).'),
    privateKeyKey: secretKey('private-key.pem', 'the PEM private key (type keypair)'),
    privateKeyPassphraseKey: z.string().min(1).max(253).regex(SECRET_KEY).optional().describe('Key in the Secret holding the private key\'s passphrase (type keypair, encrypted keys only).'),
    tokenKey: secretKey('token', 'the programmatic access token (type pat)'),
    passwordKey: secretKey('password', 'the password (type password)'),
  }),
  [
    {
      rule: "self.type == 'keypair' || !has(self.privateKeyPassphraseKey)",
      message: 'privateKeyPassphraseKey applies only to type keypair',
      check: (v) => v.type === 'keypair' || v.privateKeyPassphraseKey === undefined,
    },
    {
      rule: "self.type == 'workloadIdentity' ? !has(self.secretName) : has(self.secretName)",
      message: 'secretName is required, except for type workloadIdentity, which uses no Secret',
      check: (v) => (v.type === 'workloadIdentity' ? v.secretName === undefined : v.secretName !== undefined),
    },
    {
      rule: "self.type == 'workloadIdentity' || !has(self.audience)",
      message: 'audience applies only to type workloadIdentity',
      check: (v) => v.type === 'workloadIdentity' || v.audience === undefined,
    },
  ],
).describe('Where the sidecar\'s Snowflake credential lives.');

/** The Snowflake account and session the sidecar opens. */
export const snowflakeSchema = withCel(
  z.strictObject({
    account: z.string().min(1).max(255).describe('Account identifier, e.g. myorg-myacct. Injected into app containers as SNOWFLAKE_ACCOUNT.'),
    host: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).optional().describe('Host name override (e.g. a PrivateLink host); default <account>.snowflakecomputing.com over HTTPS.'),
    url: z.string().regex(/^https?:\/\/[^\s/]+(\/.*)?$/).max(2048).optional().describe('Full base URL override (scheme, host, port), e.g. for a local emulator; excludes host.'),
    user: z.string().min(1).max(255).describe('Snowflake user the sidecar logs in as.'),
    role: z.string().min(1).max(255).optional().describe('Role of every session (clients cannot override it).'),
    warehouse: z.string().min(1).max(255).optional().describe('Warehouse of every session.'),
    database: z.string().min(1).max(255).optional().describe('Database of every session.'),
    schema: z.string().min(1).max(255).optional().describe('Schema of every session.'),
    timeoutSeconds: z.number().int().min(1).max(3600).optional().describe('Per-request timeout towards Snowflake (sidecar default 120).'),
    credentials: credentialsSchema,
  }),
  [
    {
      rule: '!(has(self.host) && has(self.url))',
      message: 'set at most one of host and url',
      check: (v) => !(v.host !== undefined && v.url !== undefined),
    },
  ],
).describe('The Snowflake account the sidecar logs in to with its own credential.');

/** A Secret reference holding S3 access keys. */
export const storeCredentialsSchema = z
  .strictObject({
    secretName: objectName.describe('Secret in the policy\'s namespace holding the S3 access keys.'),
    accessKeyIdKey: secretKey('AWS_ACCESS_KEY_ID', 'the access key id'),
    secretAccessKeyKey: secretKey('AWS_SECRET_ACCESS_KEY', 'the secret access key'),
  })
  .describe('S3 access keys; the default AWS provider chain (e.g. IRSA) when absent.');

/** The S3-compatible store receiving recordings. */
export const storeSchema = z
  .strictObject({
    bucket: z.string().min(3).max(63).regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/).describe('Bucket name.'),
    prefix: z.string().max(512).default('').describe('Key prefix for every recording object.'),
    endpoint: z.string().regex(/^https?:\/\/[^\s/]+(\/.*)?$/).max(2048).optional().describe('S3-compatible endpoint (MinIO, radosgw); AWS when absent.'),
    region: z.string().min(1).max(64).default('us-east-1').describe('Bucket region.'),
    forcePathStyle: z.boolean().default(false).describe('Path-style addressing (needed by most S3-compatible servers).'),
    credentials: storeCredentialsSchema.optional(),
  })
  .describe('S3-compatible object storage receiving the recordings.');

/** S3 Object Lock applied to every recording object. */
export const objectLockSchema = z
  .strictObject({
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).describe('Object Lock mode; the bucket must have Object Lock enabled.'),
    days: z.number().int().min(1).max(36500).describe('Retention in days from upload.'),
  })
  .describe('Write-once retention of recordings.');

/** When the recorder uploads a segment. */
export const flushSchema = z
  .strictObject({
    intervalSeconds: z.number().int().min(1).max(3600).default(5).describe('Upload a segment at least this often.'),
    maxBytes: z.number().int().min(65536).max(1073741824).default(8388608).describe('Upload a segment once it reaches this size.'),
  })
  .describe('Segment upload cadence.');

/** The key signing recording digests. */
export const signingSchema = z
  .strictObject({
    secretName: objectName.describe('Secret holding the EC P-256 private key (PEM) that signs recording digests.'),
    key: secretKey('signing-key.pem', 'the PEM signing key'),
    keyId: z.string().min(1).max(255).optional().describe('kid of the key; the RFC 7638 thumbprint when absent.'),
  })
  .describe('Digest signing key (mounted into the sidecar only).');

/** Session recording. */
export const recordingSpecSchema = z
  .strictObject({
    mode: z.enum(['required', 'best-effort']).default('required').describe('required: nothing is forwarded or released unrecorded; best-effort: proxying goes on and drops are counted.'),
    writeAhead: z
      .enum(['changes', 'all'])
      .optional()
      .describe('required mode: changes (sidecar default) forwards an effect-free read once its query event is written and releases its answer once both are durable; all makes every query event durable before forwarding.'),
    redact: z.array(z.string().min(1).max(255)).max(256).default([]).describe('Case-insensitive patterns (glob *) on result column names whose values are masked in the recording.'),
    spoolMaxBytes: z.number().int().min(16777216).optional().describe('Local spool capacity (the emptyDir size limit follows it); sidecar default 1 GiB.'),
    store: storeSchema,
    objectLock: objectLockSchema.optional(),
    flush: flushSchema.optional(),
    signing: signingSchema,
  })
  .describe('How every statement and response is recorded.');

/** Compute resources of the sidecar container. */
export const resourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional().describe('Requested resources.'),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional().describe('Resource limits.'),
  })
  .describe('Sidecar resources; defaults: requests cpu 50m memory 64Mi, limits memory 256Mi.');

/** Sidecar ports. */
export const portsSchema = withCel(
  z.strictObject({
    proxy: port.default(DEFAULT_PROXY_PORT).describe('Driver-facing port on 127.0.0.1 (SNOWFLAKE_PORT).'),
    admin: port.default(DEFAULT_ADMIN_PORT).describe('Admin port (/healthz, /readyz, /metrics).'),
  }),
  [{ rule: 'self.proxy != self.admin', message: 'proxy and admin ports must differ', check: (v) => v.proxy !== v.admin }],
).describe('Sidecar ports.');

/** Per-policy sidecar overrides. */
export const sidecarOverridesSchema = z
  .strictObject({
    image: z.string().min(1).max(1024).optional().describe('Sidecar image; the operator\'s default when absent.'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional().describe('Pull policy of the sidecar image.'),
    resources: resourcesSchema.optional(),
    ports: portsSchema.optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Sidecar log level.'),
  })
  .describe('Overrides for the injected sidecar.');

/**
 * Pod-level isolation the webhook enforces on pods that use the policy. Each one is off by default
 * because each hands the app containers a way around the sidecar: docs/operator.md lists what.
 */
export const podSecuritySchema = z
  .strictObject({
    allowHostNetwork: z.boolean().default(false).describe('Admit pods with hostNetwork: the sidecar then listens on the node\'s loopback and its admin port on the node, where every host-network pod of the node can reach them.'),
    allowHostPID: z.boolean().default(false).describe('Admit pods with hostPID: the app containers then see every process of the node, including the sidecar, and a root container can read its files through /proc.'),
    allowShareProcessNamespace: z.boolean().default(false).describe('Admit pods with shareProcessNamespace: the app containers then see the sidecar\'s process, and a container running as root or as the sidecar\'s uid can read its credentials through /proc.'),
  })
  .describe('Host namespaces and process sharing the webhook admits for pods using this policy (all denied by default).');

const subjectsRule = {
  rule: 'self.subjects.all(s, self.subjects.exists_one(t, t.serviceAccount == s.serviceAccount))',
  message: 'subjects must name each service account once',
  check: (v: { subjects: { serviceAccount: string }[] }) => new Set(v.subjects.map((s) => s.serviceAccount)).size === v.subjects.length,
};
const ruleNamesRule = {
  rule: '!has(self.statements) || self.statements.all(r, !has(r.name) || self.statements.exists_one(q, has(q.name) && q.name == r.name))',
  message: 'statement rule names must be unique',
  check: (v: { statements: { name?: string | undefined }[] }) => {
    const names = v.statements.map((r) => r.name).filter((n): n is string => n !== undefined);
    return new Set(names).size === names.length;
  },
};

/** The spec of a SnowflakeAccessPolicy. */
export const policySpecSchema = withCel(
  z.strictObject({
    subjects: z.array(subjectSchema).min(1).max(256).describe('Service accounts (in this namespace) whose pods may use this policy; others are denied at admission.'),
    snowflake: snowflakeSchema,
    defaultAction: z.enum(['allow', 'deny']).default('allow').describe('What a statement no rule matches gets. Exfiltration classes are denied regardless unless a rule allows them.'),
    statements: z.array(statementRuleSchema).max(256).default([]).describe('Ordered allow/deny rules; the first match decides.'),
    limits: resultLimitsSchema.default({}).describe('Result limits per statement.'),
    verify: policyVerifySchema.default('none'),
    recording: recordingSpecSchema,
    sidecar: sidecarOverridesSchema.optional(),
    podSecurity: podSecuritySchema.default({ allowHostNetwork: false, allowHostPID: false, allowShareProcessNamespace: false }),
  }),
  [subjectsRule, ruleNamesRule],
).describe('Which service accounts may reach which Snowflake account, under which statement rules, recorded where.');

/** A status condition (the metav1.Condition shape). */
export const conditionSchema = z.strictObject({
  type: z.string().min(1).max(316).describe('Condition type, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Condition status.'),
  reason: z.string().min(1).max(1024).describe('CamelCase reason, e.g. Reconciled, SecretNotFound, SecretKeyMissing.'),
  message: z.string().max(32768).default('').describe('Human-readable detail.'),
  lastTransitionTime: z.string().describe('When the status last changed (RFC 3339).'),
  observedGeneration: z.number().int().min(0).optional().describe('The generation the condition was computed from.'),
});

/** Status written by the controller. */
export const policyStatusSchema = z.strictObject({
  observedGeneration: z.number().int().min(0).optional().describe('The generation last reconciled.'),
  configMapName: z.string().optional().describe('The ConfigMap holding the rendered sidecar config.'),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .describe('Ready (True when the policy can be injected) with a precise reason.'),
});

/** The spec as written by a user (before defaults). */
export type PolicySpecInput = z.input<typeof policySpecSchema>;
/** The spec after validation and defaults. */
export type PolicySpec = z.output<typeof policySpecSchema>;
/** The status written by the controller. */
export type PolicyStatus = z.output<typeof policyStatusSchema>;
/** One status condition. */
export type PolicyCondition = z.output<typeof conditionSchema>;

/** Metadata fields the operator reads. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A SnowflakeAccessPolicy object as stored by the API server (spec unvalidated until parsed). */
export interface SnowflakeAccessPolicy {
  apiVersion: `${typeof API_GROUP}/${typeof API_VERSION}` | string;
  kind: typeof POLICY_KIND | string;
  metadata: ObjectMeta;
  spec: PolicySpecInput;
  status?: Partial<PolicyStatus>;
}

/** Result of validating a policy spec: the defaulted spec, or the issues as `path: message`. */
export type SpecValidation = { ok: true; spec: PolicySpec } | { ok: false; issues: string[] };

// The informer cache hands out the same spec object until the policy changes, so the webhook,
// which validates on every admission, parses each generation once.
const validated = new WeakMap<object, SpecValidation>();

/** Validates a spec (structure and the CEL rules' TypeScript twins); never throws. Results are memoised per spec object, which must not be mutated afterwards. */
export function validatePolicySpec(spec: unknown): SpecValidation {
  if (spec && typeof spec === 'object') {
    const hit = validated.get(spec);
    if (hit) return hit;
    const result = validateUncached(spec);
    validated.set(spec, result);
    return result;
  }
  return validateUncached(spec);
}

function validateUncached(spec: unknown): SpecValidation {
  const r = policySpecSchema.safeParse(spec);
  if (r.success) return { ok: true, spec: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') return `spec${path ? `.${path}` : ''}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
      return `spec${path ? `.${path}` : ''}: ${i.message}`;
    }),
  };
}
