import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { POD_PATHS, SIDECAR_CONTAINER, VOLUMES } from '../constants.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { inject, type InjectOptions, type InjectResult } from './inject.js';
import type { Pod } from './pod-types.js';

// Golden injection cases (Istio/linkerd style): one folder per case with pod.yaml, optional
// policy.yaml (absent = the policy does not exist) and options.yaml, and the committed
// expected.json. UPDATE_GOLDEN=1 rewrites expected files; otherwise any difference fails.
const root = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const ALLOWED_FILES = new Set(['pod.yaml', 'policy.yaml', 'options.yaml', 'expected.json']);
const update = process.env.UPDATE_GOLDEN === '1';

function readYaml<T>(file: string): T | undefined {
  return existsSync(file) ? (parse(readFileSync(file, 'utf8')) as T) : undefined;
}
function load(name: string): { pod: Pod; policy: SnowflakeAccessPolicy | undefined; options: InjectOptions } {
  const dir = `${root}${name}/`;
  return { pod: readYaml<Pod>(`${dir}pod.yaml`)!, policy: readYaml(`${dir}policy.yaml`), options: readYaml<InjectOptions>(`${dir}options.yaml`) ?? {} };
}
function applied(pod: Pod, result: InjectResult): Pod {
  return jsonPatch.applyPatch(structuredClone(pod), structuredClone(result.patch) as jsonPatch.Operation[], true, false).newDocument;
}

describe('inject() golden files', () => {
  it('discovers the required cases', () => {
    for (const c of ['deployment-pod', 'job-pod', 'cronjob-pod', 'existing-init-containers', 'several-app-containers', 'opted-out', 'already-injected', 'missing-policy', 'policy-not-ready', 'old-cluster']) {
      expect(cases).toContain(c);
    }
  });

  it.each(cases)('%s: has no stray files and a committed expected.json', (name) => {
    const files = readdirSync(`${root}${name}`);
    expect(files.filter((f) => !ALLOWED_FILES.has(f))).toEqual([]);
    if (!update) expect(files).toContain('expected.json');
  });

  it.each(cases)('%s: matches expected.json; the patched pod is a valid Pod; re-injection is a no-op', (name) => {
    const { pod, policy, options } = load(name);
    const got = inject(pod, policy, options);
    const file = `${root}${name}/expected.json`;
    if (update) writeFileSync(file, `${JSON.stringify(got, null, 2)}\n`);
    expect(got).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    if (got.patch.length === 0) return;
    const patched = applied(pod, got);
    expect(() => new PodModel(patched as never).validate()).not.toThrow();
    const again = inject(patched, policy, options);
    expect(again).toMatchObject({ allowed: true, patch: [], reasons: ['already_injected'] });
  });
});

describe('inject() wiring (what a user would notice in the patched pods)', () => {
  const injected = cases.map((n) => ({ name: n, ...load(n) })).filter((c) => inject(c.pod, c.policy, c.options).patch.length > 0);

  it.each(injected.map((c) => c.name))('%s: secrets reach the sidecar only, the token reaches the apps only', (name) => {
    const c = injected.find((x) => x.name === name)!;
    const pod = applied(c.pod, inject(c.pod, c.policy, c.options));
    const all = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers];
    const sidecar = all.find((x) => x.name === SIDECAR_CONTAINER)!;
    const apps = all.filter((x) => x.name !== SIDECAR_CONTAINER && (c.options.nativeSidecars !== false || pod.spec!.containers.includes(x)));
    const secretVolumes = pod.spec!.volumes!.filter((v) => v.secret).map((v) => v.name);
    const wif = c.policy?.spec.snowflake.credentials.type === 'workloadIdentity';
    expect(secretVolumes).toEqual(expect.arrayContaining(wif ? [VOLUMES.signing] : [VOLUMES.credentials, VOLUMES.signing]));
    // The sidecar's token for Snowflake (workload identity) is as much the sidecar's alone as a Secret.
    if (wif) secretVolumes.push(VOLUMES.workloadIdentityToken);
    for (const app of apps) {
      const mounts = (app.volumeMounts ?? []).map((m) => m.name);
      expect(mounts.filter((m) => secretVolumes.includes(m) || m === VOLUMES.config || m === VOLUMES.spool)).toEqual([]);
      expect(app.volumeMounts).toContainEqual({ name: VOLUMES.token, mountPath: POD_PATHS.tokenDir, readOnly: true });
      const env = Object.fromEntries((app.env ?? []).map((e) => [e.name, e.value]));
      expect(env).toMatchObject({ SNOWFLAKE_HOST: '127.0.0.1', SNOWFLAKE_PROTOCOL: 'http', SNOWFLAKE_AUTHENTICATOR: 'OAUTH', SNOWFLAKE_TOKEN_FILE: POD_PATHS.tokenFile });
      expect(env.SNOWTRAIL_ACCESS_URL).toBe(`http://127.0.0.1:${env.SNOWFLAKE_PORT}`);
      expect((app.env ?? []).filter((e) => e.name === 'SNOWFLAKE_PORT')).toHaveLength(1);
    }
    expect((sidecar.volumeMounts ?? []).map((m) => m.name)).not.toContain(VOLUMES.token);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const token = pod.spec!.volumes!.find((v) => v.name === VOLUMES.token)!;
    expect(token.projected!.sources![0]!.serviceAccountToken).toEqual({ audience: 'snowtrail', expirationSeconds: 600, path: 'token' });
    expect(pod.metadata!.annotations!['snowtrail.dev/status']).toBe('injected');
    if (c.options.nativeSidecars === false) {
      expect(pod.spec!.containers[0]!.name).toBe(SIDECAR_CONTAINER);
      expect(sidecar.restartPolicy).toBeUndefined();
    } else {
      expect(pod.spec!.initContainers![0]!.name).toBe(SIDECAR_CONTAINER);
      expect(sidecar.restartPolicy).toBe('Always');
      expect(sidecar.startupProbe!.httpGet!.path).toBe('/readyz');
    }
  });

  it('workload identity: no Secret, a token with Snowflake\'s audience mounted into the sidecar alone, the config pointing at it', () => {
    const { pod, policy, options } = load('workload-identity');
    const patched = applied(pod, inject(pod, policy, options));
    const volumes = patched.spec!.volumes!;
    expect(volumes.map((v) => v.name)).not.toContain(VOLUMES.credentials);
    expect(volumes.filter((v) => v.secret).map((v) => v.secret!.secretName)).toEqual(['snowtrail-signing']);
    expect(volumes.find((v) => v.name === VOLUMES.workloadIdentityToken)!.projected!.sources![0]!.serviceAccountToken).toEqual({ audience: 'snowflakecomputing.com', expirationSeconds: 600, path: 'token' });
    const all = [...(patched.spec!.initContainers ?? []), ...patched.spec!.containers];
    const mounting = all.filter((x) => (x.volumeMounts ?? []).some((m) => m.name === VOLUMES.workloadIdentityToken)).map((x) => x.name);
    expect(mounting).toEqual([SIDECAR_CONTAINER]);
    expect(all.find((x) => x.name === SIDECAR_CONTAINER)!.volumeMounts).toContainEqual({ name: VOLUMES.workloadIdentityToken, mountPath: POD_PATHS.workloadIdentityDir, readOnly: true });
    const app = patched.spec!.containers.find((x) => x.name === 'etl')!;
    expect(Object.fromEntries((app.env ?? []).map((e) => [e.name, e.value]))).toMatchObject({ SNOWFLAKE_WORKLOAD_IDENTITY_PROVIDER: 'OIDC', SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES: '127.0.0.1' });
  });

  it('workload identity: an app container naming the Snowflake token volume is refused', () => {
    const { pod, policy, options } = load('app-mounts-snowflake-token');
    expect(inject(pod, policy, options)).toMatchObject({ allowed: false, reasons: ['injected_volume_mounted'], message: expect.stringContaining('container "load" mounts snowtrail-snowflake-token') });
  });

  it('denies with a message naming the policy and why', () => {
    const { pod, policy, options } = load('policy-not-ready');
    const r = inject(pod, policy, options);
    expect(r.allowed).toBe(false);
    expect(r.message).toContain('pipelines/etl is not Ready');
    expect(r.message).toContain('SecretNotFound');
  });
});
