import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { validatePolicySpec, type PolicySpec } from '../crd/policy-schema.js';
import { renderConfigMapData, snowflakeUrl } from './render-config.js';
import { checkSecrets } from './check-secrets.js';
import { POD_PATHS } from '../constants.js';

const samplesDir = fileURLToPath(new URL('../../../../crds/samples/', import.meta.url));
const issuer = { issuer: 'https://oidc.example.com/cluster-1', jwks: { keys: [{ kty: 'EC', kid: 'a' }] } };
const specOf = (file: string): { name: string; namespace: string; spec: PolicySpec } => {
  const obj = parse(readFileSync(`${samplesDir}${file}`, 'utf8'));
  const v = validatePolicySpec(obj.spec);
  if (!v.ok) throw new Error(v.issues.join('; '));
  return { name: obj.metadata.name, namespace: obj.metadata.namespace, spec: v.spec };
};

describe('renderConfigMapData', () => {
  it.each(readdirSync(samplesDir).filter((f) => f.endsWith('.yaml')))('renders sample %s into a config the sidecar loader accepts', (file) => {
    const { name, namespace, spec } = specOf(file);
    const { data, config } = renderConfigMapData({ name, namespace, generation: 4 }, spec, issuer);
    expect(Object.keys(data).sort()).toEqual(['config.yaml', 'jwks.json']);
    expect(config.policy).toMatchObject({ name, generation: 4, verify: spec.verify });
    expect(config.identity.allowedSubjects).toEqual(spec.subjects.map((s) => `system:serviceaccount:${namespace}:${s.serviceAccount}`));
    expect(config.listen.host).toBe('127.0.0.1');
  });

  it('maps every option of the full sample to the sidecar config and the mount paths', () => {
    const { spec } = specOf('full.yaml');
    const { config } = renderConfigMapData({ name: 'reporting', namespace: 'analytics', generation: 1 }, spec, issuer);
    expect(config.upstream).toMatchObject({ url: 'https://myorg-myacct.privatelink.snowflakecomputing.com', role: 'REPORTING_RO', warehouse: 'REPORTING_WH', database: 'ANALYTICS', schema: 'MARTS', timeoutSeconds: 300 });
    expect(config.upstream.auth).toEqual({ type: 'keypair', privateKeyFile: '/var/run/snowtrail/credentials/rsa_key.p8', privateKeyPassphraseFile: '/var/run/snowtrail/credentials/passphrase' });
    expect(config.recording).toMatchObject({
      mode: 'required',
      writeAhead: 'all',
      spoolMaxBytes: 2147483648,
      redact: ['*SSN*', 'EMAIL'],
      flush: { intervalSeconds: 10, maxBytes: 16777216 },
      objectLock: { mode: 'COMPLIANCE', retainDays: 365 },
      signing: { keyFile: '/var/run/snowtrail/signing/es256.pem', keyId: 'reporting-2026' },
      store: { type: 's3', bucket: 'audit-snowflake', prefix: 'reporting/', region: 'eu-west-1', accessKeyIdFile: '/var/run/snowtrail/store-credentials/AWS_ACCESS_KEY_ID', secretAccessKeyFile: '/var/run/snowtrail/store-credentials/AWS_SECRET_ACCESS_KEY' },
    });
    expect(config.listen.port).toBe(18089);
    expect(config.admin.port).toBe(19090);
    expect(config.policy.defaultAction).toBe('deny');
    expect(config.policy.verify).toBe('explain');
    expect(config.logLevel).toBe('debug');
  });

  it('derives the Snowflake URL from url, host or account', () => {
    expect(snowflakeUrl(specOf('local-emulator.yaml').spec)).toBe('http://snowflake-emulator.snowtrail-system.svc:8080');
    expect(snowflakeUrl(specOf('minimal.yaml').spec)).toBe('https://myorg-myacct.snowflakecomputing.com');
  });
});

describe('workload identity (credentials.type workloadIdentity)', () => {
  const { name, namespace, spec } = specOf('workload-identity.yaml');
  it('renders the sidecar\'s upstream auth to the projected token the injection mounts', () => {
    const { config } = renderConfigMapData({ name, namespace, generation: 1 }, spec, issuer);
    expect(config.upstream.auth).toEqual({ type: 'workloadIdentity', tokenFile: POD_PATHS.workloadIdentityTokenFile, audience: 'snowflakecomputing.com' });
  });
  it('requires no Snowflake Secret: only the signing key\'s', () => {
    const lookup = (n: string) => (n === 'snowtrail-signing' ? { keys: new Set(['signing-key.pem']) } : undefined);
    expect(checkSecrets(namespace, spec, lookup)).toBeUndefined();
    expect(checkSecrets(namespace, spec, () => undefined)).toEqual({ reason: 'SecretNotFound', message: 'Secret pipelines/snowtrail-signing (spec.recording.signing) not found' });
  });
});

describe('checkSecrets', () => {
  const { spec } = specOf('full.yaml');
  const all = new Map([
    ['snowflake-reporting', new Set(['rsa_key.p8', 'passphrase'])],
    ['snowtrail-signing', new Set(['es256.pem'])],
    ['recordings-s3', new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])],
  ]);
  const lookup = (m: Map<string, Set<string>>) => (n: string) => (m.has(n) ? { keys: m.get(n)! } : undefined);
  it('passes when every Secret holds its keys and names the first gap otherwise', () => {
    expect(checkSecrets('analytics', spec, lookup(all))).toBeUndefined();
    const noStore = new Map(all);
    noStore.delete('recordings-s3');
    expect(checkSecrets('analytics', spec, lookup(noStore))).toEqual({ reason: 'SecretNotFound', message: 'Secret analytics/recordings-s3 (spec.recording.store.credentials) not found' });
    const noPass = new Map(all);
    noPass.set('snowflake-reporting', new Set(['rsa_key.p8']));
    expect(checkSecrets('analytics', spec, lookup(noPass))).toEqual({ reason: 'SecretKeyMissing', message: 'Secret analytics/snowflake-reporting (spec.snowflake.credentials) has no key passphrase' });
  });
});
