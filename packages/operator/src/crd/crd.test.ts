/* eslint-disable @typescript-eslint/no-explicit-any -- test fixtures are mutated as untyped YAML */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { parse } from 'yaml';
import { CRD_FILE, buildCrd, buildOpenApiSchema, renderCrdYaml } from './crd-manifest.js';
import { compileCrdSchema, formatAjvErrors } from './crd-ajv.js';
import { validatePolicySpec } from './policy-schema.js';
import { renderCrdReference, spliceReference } from './crd-reference.js';
import { celViolations } from '../testing/crd-cel.js';

const crdsDir = fileURLToPath(new URL('../../../../crds/', import.meta.url));
const samplesDir = `${crdsDir}samples/`;
const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml'));
const load = (f: string) => parse(readFileSync(`${samplesDir}${f}`, 'utf8')) as { spec: Record<string, unknown> };
const validate = compileCrdSchema(buildOpenApiSchema());

/** A valid policy to mutate into invalid ones. */
function base(): Record<string, unknown> {
  return structuredClone(load('minimal.yaml')) as unknown as Record<string, unknown>;
}
function ajvErrors(obj: unknown): string[] {
  return validate(structuredClone(obj)) ? [] : formatAjvErrors(validate.errors);
}

describe('CRD', () => {
  it('is up to date with the zod spec (regenerate: pnpm --filter @snowtrail/operator run generate:crds)', () => {
    expect(readFileSync(`${crdsDir}${CRD_FILE}`, 'utf8')).toBe(renderCrdYaml());
  });

  it('has its field reference in docs/operator.md up to date', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../../docs/operator.md', import.meta.url)), 'utf8');
    expect(spliceReference(doc, renderCrdReference())).toBe(doc);
  });

  it('is a structural schema: every node typed, no additionalProperties next to properties', () => {
    const walk = (n: Record<string, unknown>, path: string): string[] => {
      const bad: string[] = [];
      if (typeof n.type !== 'string') bad.push(`${path}: no type`);
      if (n.properties && 'additionalProperties' in n) bad.push(`${path}: properties + additionalProperties`);
      for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, Record<string, unknown>>)) bad.push(...walk(v, `${path}.${k}`));
      if (n.items) bad.push(...walk(n.items as Record<string, unknown>, `${path}[]`));
      return bad;
    };
    expect(walk(buildOpenApiSchema(), '')).toEqual([]);
  });

  it('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition (Kubernetes schema)', () => {
    expect(() => new CustomResourceDefinition(buildCrd() as never).validate()).not.toThrow();
  });

  it('has samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(samples)('accepts sample %s (schema and CEL twins) and applies defaults', (file) => {
    const obj = load(file);
    expect(ajvErrors(obj)).toEqual([]);
    const v = validatePolicySpec(obj.spec);
    expect(v.ok ? [] : v.issues).toEqual([]);
    const defaulted = structuredClone(obj);
    validate(defaulted);
    expect((defaulted.spec as { recording: { mode: string } }).recording.mode).toBeDefined();
  });

  it('fills the documented defaults like the API server would', () => {
    const obj = base();
    validate(obj);
    const spec = obj.spec as Record<string, any>;
    expect(spec.defaultAction).toBe('allow');
    expect(spec.snowflake.credentials).toEqual({ secretName: 'snowflake-etl', type: 'keypair', privateKeyKey: 'private-key.pem', tokenKey: 'token', passwordKey: 'password' });
    expect(spec.recording.store).toMatchObject({ prefix: '', region: 'us-east-1', forcePathStyle: false });
    expect(spec.recording.signing.key).toBe('signing-key.pem');
  });

  // Schema-level rejections: the messages ajv reports for the generated openAPIV3Schema (the API
  // server reports the same violations in its own words).
  const schemaCases: [string, (s: Record<string, any>) => void, string][] = [
    ['no subjects', (s) => { s.subjects = []; }, 'spec.subjects: must NOT have fewer than 1 items'],
    ['subject not a DNS name', (s) => { s.subjects = [{ serviceAccount: 'ETL_Job' }]; }, 'spec.subjects.0.serviceAccount: must match pattern'],
    ['missing account', (s) => { delete s.snowflake.account; }, "spec.snowflake: must have required property 'account'"],
    ['unknown credential type', (s) => { s.snowflake.credentials.type = 'kerberos'; }, 'spec.snowflake.credentials.type: must be equal to one of the allowed values (keypair, pat, password, workloadIdentity)'],
    ['unknown statement class', (s) => { s.statements = [{ action: 'allow', classes: ['SELEKT'] }]; }, 'spec.statements.0.classes.0: must be equal to one of the allowed values'],
    ['bad action', (s) => { s.statements = [{ action: 'permit' }]; }, 'spec.statements.0.action: must be equal to one of the allowed values (allow, deny)'],
    ['zero row limit', (s) => { s.limits = { maxResultRows: 0 }; }, 'spec.limits.maxResultRows: must be >= 1'],
    ['bad recording mode', (s) => { s.recording.mode = 'off'; }, 'spec.recording.mode: must be equal to one of the allowed values (required, best-effort)'],
    ['bucket upper case', (s) => { s.recording.store.bucket = 'My_Bucket'; }, 'spec.recording.store.bucket: must match pattern'],
    ['object lock without days', (s) => { s.recording.objectLock = { mode: 'COMPLIANCE' }; }, "spec.recording.objectLock: must have required property 'days'"],
    ['missing signing key', (s) => { delete s.recording.signing; }, "spec.recording: must have required property 'signing'"],
    ['bad quantity', (s) => { s.sidecar = { resources: { limits: { memory: 'lots' } } }; }, 'spec.sidecar.resources.limits.memory: must match pattern'],
    ['port out of range', (s) => { s.sidecar = { ports: { proxy: 70000 } }; }, 'spec.sidecar.ports.proxy: must be <= 65535'],
    ['unknown field (strict field validation)', (s) => { s.snowflake.passwrd = 'x'; }, 'spec.snowflake: must NOT have additional properties (passwrd)'],
    ['flush interval is an int32', (s) => { s.recording.flush = { intervalSeconds: 1.5 }; }, 'spec.recording.flush.intervalSeconds: must be integer'],
  ];
  it.each(schemaCases)('rejects %s (schema)', (_name, mutate, message) => {
    const obj = base();
    mutate(obj.spec as Record<string, any>);
    const errors = ajvErrors(obj);
    expect(errors.some((e) => e.startsWith(message))).toBe(true);
    // The zod spec (what the controller and `snowtrail inject` run) rejects it too.
    expect(validatePolicySpec(obj.spec).ok).toBe(false);
  });

  // CEL rules: not evaluated by ajv (the schema accepts these), enforced here by the rules' zod
  // twins with the same message the API server returns.
  const celCases: [string, (s: Record<string, any>) => void, string][] = [
    ['host and url together', (s) => { s.snowflake.host = 'a.example.com'; s.snowflake.url = 'http://localhost:8080'; }, 'spec.snowflake: set at most one of host and url'],
    ['passphrase on a PAT', (s) => { s.snowflake.credentials = { secretName: 'x', type: 'pat', privateKeyPassphraseKey: 'p' }; }, 'spec.snowflake.credentials: privateKeyPassphraseKey applies only to type keypair'],
    ['a Secret for workload identity', (s) => { s.snowflake.credentials = { secretName: 'x', type: 'workloadIdentity' }; }, 'spec.snowflake.credentials: secretName is required, except for type workloadIdentity, which uses no Secret'],
    ['no Secret for a key pair', (s) => { s.snowflake.credentials = { type: 'keypair' }; }, 'spec.snowflake.credentials: secretName is required, except for type workloadIdentity, which uses no Secret'],
    ['an audience on a key pair', (s) => { s.snowflake.credentials = { secretName: 'x', audience: 'snowflakecomputing.com' }; }, 'spec.snowflake.credentials: audience applies only to type workloadIdentity'],
    ['same subject twice', (s) => { s.subjects = [{ serviceAccount: 'etl' }, { serviceAccount: 'etl' }]; }, 'spec: subjects must name each service account once'],
    ['duplicate rule names', (s) => { s.statements = [{ name: 'r', action: 'allow' }, { name: 'r', action: 'deny' }]; }, 'spec: statement rule names must be unique'],
    ['proxy port equals admin port', (s) => { s.sidecar = { ports: { proxy: 9090 } }; }, 'spec.sidecar.ports: proxy and admin ports must differ'],
  ];
  it.each(celCases)('rejects %s (CEL rule twin)', (_name, mutate, message) => {
    const obj = base();
    mutate(obj.spec as Record<string, any>);
    expect(ajvErrors(obj)).toEqual([]);
    const v = validatePolicySpec(obj.spec);
    expect(v.ok ? [] : v.issues).toContain(message);
  });

  // The same rules evaluated by a real CEL implementation on the defaulted object, as the API
  // server does: the CRD's own expressions, not their TypeScript twins.
  const schema = buildOpenApiSchema();
  const celOf = (obj: unknown) => {
    const defaulted = structuredClone(obj);
    validate(defaulted);
    return celViolations(schema, defaulted).map((v) => `${v.path}: ${v.message}`);
  };

  it.each(samples)('sample %s passes every CEL rule of the CRD (real CEL)', (file) => {
    expect(celOf(load(file))).toEqual([]);
  });

  it.each(celCases)('rejects %s (real CEL, the CRD\'s expression)', (_name, mutate, message) => {
    const obj = base();
    mutate(obj.spec as Record<string, any>);
    expect(celOf(obj)).toEqual([message]);
  });

  it('evaluates every rule the CRD carries, and each one can fail', () => {
    const rules: string[] = [];
    const collect = (n: Record<string, any>) => {
      for (const r of n['x-kubernetes-validations'] ?? []) rules.push(r.rule);
      for (const c of Object.values(n.properties ?? {})) collect(c as Record<string, any>);
      if (n.items) collect(n.items);
    };
    collect(schema);
    const failed = new Set(celCases.flatMap(([, mutate]) => {
      const obj = base();
      mutate(obj.spec as Record<string, any>);
      const defaulted = structuredClone(obj);
      validate(defaulted);
      return celViolations(schema, defaulted).map((v) => v.rule);
    }));
    expect([...failed].sort()).toEqual([...rules].sort());
  });

  it('the real CEL and the TypeScript twins agree on the samples and on every invalid case', () => {
    const objects = [...samples.map(load), ...celCases.map(([, mutate]) => {
      const obj = base();
      mutate(obj.spec as Record<string, any>);
      return obj;
    })];
    for (const obj of objects) {
      const v = validatePolicySpec(obj.spec);
      expect({ spec: obj.spec, issues: v.ok ? [] : v.issues }).toEqual({ spec: obj.spec, issues: celOf(obj) });
    }
  });

  it('carries every CEL rule into the CRD', () => {
    const text = renderCrdYaml();
    for (const m of ['set at most one of host and url', 'privateKeyPassphraseKey applies only to type keypair', 'subjects must name each service account once', 'statement rule names must be unique', 'proxy and admin ports must differ']) {
      expect(text).toContain(`message: ${m}`);
    }
  });
});
