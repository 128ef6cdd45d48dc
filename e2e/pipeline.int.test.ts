/**
 * The e2e pipeline, run here without a cluster: the same program the kind Job runs
 * (e2e/pipeline/pipeline.mjs, real snowflake-sdk) with exactly the environment the webhook's
 * inject() gives the Job's container, against a real sidecar whose config the operator renders from
 * e2e/manifests/policy.yaml (buildSidecarConfig), the DuckDB emulator as Snowflake, s3rver as the
 * recordings bucket, and a JWKS token issuer standing in for the API server.
 * What differs from the pod is only where things are on this machine: ports (0 here), file paths
 * (the pod's mounts do not exist here), the emulator and S3 URLs, and Object Lock (s3rver has none;
 * the recording package tests it on radosgw).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { parseSidecarConfig, type SidecarConfigInput } from '@snowtrail/config';
import { startS3rver, startTokenIssuer, type S3ServerHandle, type TokenIssuerHandle } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle } from '@snowtrail/emulator';
import { buildSidecarConfig, inject, validatePolicySpec, type Pod, type SnowflakeAccessPolicy } from '@snowtrail/operator';
import { listSessionIds, loadStoreKeys, openStore, verifySession } from '@snowtrail/recording';
import { startSidecar, type SidecarHandle } from '@snowtrail/sidecar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');
const NAMESPACE = 'pipelines';

interface PolicyManifest {
  metadata: { name: string; namespace: string; generation?: number };
  spec: { snowflake: { account: string; user: string }; recording: { store: { bucket: string; prefix: string } } };
}

const policyManifest = parseYaml(read('e2e/manifests/policy.yaml')) as PolicyManifest;
const workloads = parseAllDocuments(read('e2e/manifests/workloads.yaml')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { template: Pod } } & Pod);
const jobPodTemplate = workloads.find((w) => w.kind === 'Job')!.spec.template;
const plainPod = workloads.find((w) => w.kind === 'Pod')!;

/** The policy as the API server holds it once the controller reconciled it (Ready for its generation). */
function readyPolicy(): SnowflakeAccessPolicy {
  const generation = 1;
  return {
    apiVersion: 'snowtrail.dev/v1alpha1',
    kind: 'SnowflakeAccessPolicy',
    metadata: { ...policyManifest.metadata, generation },
    spec: policyManifest.spec,
    status: {
      observedGeneration: generation,
      configMapName: `snowtrail-${policyManifest.metadata.name}`,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '', lastTransitionTime: new Date().toISOString(), observedGeneration: generation }],
    },
  } as unknown as SnowflakeAccessPolicy;
}

/** The env of one container after applying inject()'s JSON patch ops that touch it. */
function injectedEnv(pod: Pod, containerName: string): Record<string, string> {
  const result = inject(structuredClone(pod), readyPolicy(), { namespace: NAMESPACE });
  expect(result.reasons[0]).toBe('injected');
  const index = (pod.spec?.containers ?? []).findIndex((c) => c.name === containerName);
  const env: Record<string, string> = {};
  for (const op of result.patch) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    const vars = op.path === `/spec/containers/${index}/env` ? (op.value as { name: string; value?: string }[]) : op.path.startsWith(`/spec/containers/${index}/env/`) ? [op.value as { name: string; value?: string }] : [];
    for (const v of vars) if (v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

function runPipeline(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'e2e/pipeline/pipeline.mjs'), ...args], { env, cwd, timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout });
    });
  });
}

function lineJson(stdout: string, prefix: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith(`${prefix} `)).map((l) => JSON.parse(l.slice(prefix.length + 1)) as Record<string, unknown>);
}

describe('the e2e pipeline through a real sidecar, configured only from the injected env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snowtrail-e2e-pipeline-'));
  const baseEnv = { PATH: process.env.PATH, HOME: dir, SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1' };
  const podUid = randomUUID();
  let emulator: EmulatorHandle;
  let issuer: TokenIssuerHandle;
  let s3: S3ServerHandle;
  let sidecar: SidecarHandle | undefined;
  let pipelineEnv: NodeJS.ProcessEnv;
  let injected: Record<string, string>;

  beforeAll(async () => {
    const password = randomUUID();
    writeFileSync(join(dir, 'password'), password);
    writeFileSync(join(dir, 'signing-key.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    mkdirSync(join(dir, 'spool'));
    emulator = await startEmulator({ account: policyManifest.spec.snowflake.account, users: [{ name: policyManifest.spec.snowflake.user, password }] });
    issuer = await startTokenIssuer();
    s3 = await startS3rver();
    await s3.createBucket(policyManifest.spec.recording.store.bucket);
    writeFileSync(join(dir, 'access-key-id'), s3.accessKeyId);
    writeFileSync(join(dir, 'secret-access-key'), s3.secretAccessKey);

    // The operator's rendering of the e2e policy (defaults applied as the API server would).
    const validated = validatePolicySpec(policyManifest.spec);
    if (!validated.ok) throw new Error(validated.issues.join('\n'));
    const rendered = buildSidecarConfig({ name: policyManifest.metadata.name, namespace: NAMESPACE, generation: 1 }, validated.spec, issuer.issuer);
    const { jwksFile: _podJwksFile, ...identity } = rendered.identity;
    const config: SidecarConfigInput = {
      ...rendered,
      listen: { ...rendered.listen, port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      identity: { ...identity, jwksUri: issuer.jwksUri, podUid },
      upstream: { ...rendered.upstream, url: emulator.url, auth: { type: 'password', passwordFile: join(dir, 'password') } },
      recording: {
        ...rendered.recording,
        spoolDir: join(dir, 'spool'),
        store: { ...(rendered.recording.store as Extract<SidecarConfigInput['recording']['store'], { type: 's3' }>), endpoint: s3.endpoint, accessKeyIdFile: join(dir, 'access-key-id'), secretAccessKeyFile: join(dir, 'secret-access-key') },
        objectLock: undefined,
        signing: { ...rendered.recording.signing, keyFile: join(dir, 'signing-key.pem') },
      },
      logLevel: 'silent',
    };
    expect(rendered.upstream.auth).toEqual({ type: 'password', passwordFile: '/var/run/snowtrail/credentials/password' });
    sidecar = await startSidecar({ config: parseSidecarConfig(stringify(config)), env: { ...process.env, SNOWTRAIL_POD_UID: podUid } });
    const token = await issuer.mint({ namespace: NAMESPACE, podName: 'e2e-pipeline-abcde', podUid, serviceAccount: 'etl', audience: 'snowtrail' });
    writeFileSync(join(dir, 'token'), token);

    injected = injectedEnv({ ...jobPodTemplate, metadata: { ...jobPodTemplate.metadata, namespace: NAMESPACE } } as Pod, 'pipeline');
    pipelineEnv = { ...baseEnv, ...injected, SNOWFLAKE_PORT: new URL(sidecar.url).port, SNOWFLAKE_TOKEN_FILE: join(dir, 'token') };
  });

  afterAll(async () => {
    await sidecar?.close();
    await issuer?.close();
    await emulator?.close();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets the documented driver environment from the webhook', () => {
    expect(injected).toMatchObject({
      SNOWFLAKE_ACCOUNT: 'SNOWTRAIL',
      SNOWFLAKE_HOST: '127.0.0.1',
      SNOWFLAKE_PORT: '8089',
      SNOWFLAKE_PROTOCOL: 'http',
      SNOWFLAKE_AUTHENTICATOR: 'OAUTH',
      SNOWFLAKE_TOKEN_FILE: '/var/run/secrets/snowtrail/token',
    });
  });

  it('runs every allowed statement, gets both denials as Snowflake errors, and exits 0', async () => {
    const { code, stdout } = await runPipeline(['--once'], pipelineEnv, dir);
    const steps = lineJson(stdout, 'E2E_STEP');
    expect(steps.map((s) => [s.name, s.outcome])).toEqual([
      ['select_literal', 'executed'],
      ['create_table', 'executed'],
      ['insert_rows', 'executed'],
      ['select_rows', 'executed'],
      ['export_denied', 'denied'],
      ['drop_denied', 'denied'],
    ]);
    expect(String(steps[4]!.message)).toContain('rule no-exports');
    expect(lineJson(stdout, 'E2E_RESULT')).toEqual([{ ok: true, executed: 4, denied: 2, failed: [] }]);
    expect(code).toBe(0);
    // Snowflake only ever saw the sidecar's own login.
    expect(new Set(emulator.logins.map((l) => `${l.user}:${l.success}`))).toEqual(new Set([`${policyManifest.spec.snowflake.user}:true`]));
  });

  it('counts the denials in the sidecar metrics the chart alerts on', async () => {
    const text = await (await fetch(`${sidecar!.adminUrl}/metrics`)).text();
    const denied = text.split('\n').filter((l) => l.startsWith('snowtrail_sidecar_statements_total{') && l.includes('outcome="denied"'));
    expect(denied.reduce((n, l) => n + Number(l.split(' ').pop()), 0)).toBe(2);
  });

  it('runs two pipelines at once without one disturbing the other (the Job and the Deployment share an account)', async () => {
    const [a, b] = await Promise.all([runPipeline(['--once'], pipelineEnv, dir), runPipeline(['--once'], pipelineEnv, dir)]);
    for (const r of [a, b]) {
      expect(lineJson(r.stdout, 'E2E_RESULT')).toEqual([{ ok: true, executed: 4, denied: 2, failed: [] }]);
      expect(r.code).toBe(0);
    }
  });

  it('leaves a recorded session per pipeline run, each of which verifies', async () => {
    await sidecar!.close();
    sidecar = undefined;
    const { bucket, prefix } = policyManifest.spec.recording.store;
    const store = await openStore(`s3://${bucket}/${prefix}`, { endpoint: s3.endpoint, s3Client: s3.client() });
    const ids = await listSessionIds(store);
    expect(ids).toHaveLength(3);
    const keys = await loadStoreKeys(store);
    for (const id of ids) {
      const report = await verifySession(store, id, keys);
      expect({ id, problems: report.problems, ok: report.ok }).toEqual({ id, problems: [], ok: true });
    }
  });

  it('fails clearly, without connecting, in a pod the webhook did not inject', async () => {
    expect(inject(structuredClone(plainPod), readyPolicy(), { namespace: NAMESPACE }).patch).toEqual([]);
    const printed = await runPipeline(['--print-env'], baseEnv, dir);
    expect(printed.stdout.trim()).toBe('E2E_ENV []');
    const once = await runPipeline(['--once'], baseEnv, dir);
    expect(once.code).toBe(1);
    expect(lineJson(once.stdout, 'E2E_RESULT')[0]).toMatchObject({ ok: false, error: expect.stringContaining('not injected: SNOWFLAKE_ACCOUNT') });
  });
});
