import type { PolicySpec } from '../crd/policy-schema.js';

/** A Secret as seen in the cache: which keys it has (values are never needed here). */
export interface SecretKeys {
  keys: ReadonlySet<string>;
}

/** What a policy needs from one Secret. */
export interface SecretRequirement {
  secretName: string;
  keys: string[];
  /** Which spec field references it (shown in the condition message). */
  field: string;
}

/** Lists the Secrets and keys a policy references. */
export function requiredSecrets(spec: PolicySpec): SecretRequirement[] {
  const c = spec.snowflake.credentials;
  const credKeys = c.type === 'pat' ? [c.tokenKey] : c.type === 'password' ? [c.passwordKey] : [c.privateKeyKey, ...(c.privateKeyPassphraseKey ? [c.privateKeyPassphraseKey] : [])];
  // Workload identity needs no Secret: the kubelet projects the token the sidecar presents.
  const out: SecretRequirement[] = [
    ...(c.type !== 'workloadIdentity' && c.secretName ? [{ secretName: c.secretName, keys: credKeys, field: 'spec.snowflake.credentials' }] : []),
    { secretName: spec.recording.signing.secretName, keys: [spec.recording.signing.key], field: 'spec.recording.signing' },
  ];
  const s = spec.recording.store.credentials;
  if (s) out.push({ secretName: s.secretName, keys: [s.accessKeyIdKey, s.secretAccessKeyKey], field: 'spec.recording.store.credentials' });
  return out;
}

/** The first problem with a policy's Secrets, or undefined when all exist with their keys. */
export function checkSecrets(namespace: string, spec: PolicySpec, lookup: (name: string) => SecretKeys | undefined): { reason: 'SecretNotFound' | 'SecretKeyMissing'; message: string } | undefined {
  for (const req of requiredSecrets(spec)) {
    const secret = lookup(req.secretName);
    if (!secret) return { reason: 'SecretNotFound', message: `Secret ${namespace}/${req.secretName} (${req.field}) not found` };
    const missing = req.keys.filter((k) => !secret.keys.has(k));
    if (missing.length) return { reason: 'SecretKeyMissing', message: `Secret ${namespace}/${req.secretName} (${req.field}) has no key ${missing.join(', ')}` };
  }
  return undefined;
}
