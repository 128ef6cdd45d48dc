import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startKubeApiServer, type KubeApiServer } from './testing/kube-api-server.js';
import { waitFor } from './testing/wait-for.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'operator', ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('snowtrail operator (CLI) without a kubeconfig', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'snowtrail-home-'));
    env = { PATH: process.env.PATH, HOME: home };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('says that no configuration was found (not a version probe failure), exit code 1', async () => {
    const { code, stderr } = await runCli(['--pod-namespace', 'x', '--identity', 'y'], env);
    expect(code).toBe(1);
    expect(stderr).toContain('no Kubernetes client configuration found');
    expect(stderr).toContain(`${home}/.kube/config does not exist`);
    expect(stderr).toContain('SNOWTRAIL_ERR_OPERATOR_KUBECONFIG');
    expect(stderr).not.toMatch(/native sidecars|API server version/);
  });

  it('names a missing --kubeconfig file and a KUBECONFIG that points nowhere', async () => {
    const flag = await runCli(['--kubeconfig', join(home, 'nope.yaml')], env);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain(`the kubeconfig ${join(home, 'nope.yaml')} does not exist (SNOWTRAIL_ERR_OPERATOR_KUBECONFIG)`);
    const variable = await runCli([], { ...env, KUBECONFIG: join(home, 'gone') });
    expect(variable.code).toBe(1);
    expect(variable.stderr).toContain(`KUBECONFIG names ${join(home, 'gone')}, and no such file exists`);
  });

  it('refuses --in-cluster outside a pod with the reason', async () => {
    const { code, stderr } = await runCli(['--in-cluster'], env);
    expect(code).toBe(1);
    expect(stderr).toContain('no service-account token at /var/run/secrets/kubernetes.io/serviceaccount/token');
  });
});

describe('snowtrail operator (CLI) with a kubeconfig', () => {
  let api: KubeApiServer;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    api = await startKubeApiServer({ version: 'v1.28.9' });
    dir = mkdtempSync(join(tmpdir(), 'snowtrail-kubeconfig-'));
    writeFileSync(
      join(dir, 'config'),
      `apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: { server: "${api.url}", insecure-skip-tls-verify: true }\nusers:\n- name: op\n  user: { token: t }\ncontexts:\n- name: sim\n  context: { cluster: sim, user: op }\ncurrent-context: sim\n`,
    );
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, serves metrics, leads through a Lease and shuts down cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'operator', '--kubeconfig', join(dir, 'config'), '--pod-namespace', 'snowtrail-system', '--identity', 'cli-test', '--webhook-host', '127.0.0.1', '--webhook-port', '0', '--metrics-host', '127.0.0.1', '--metrics-port', '0', '--leader-elect', '--log-level', 'warn'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const line = await waitFor('listening line', () => /webhook listening on (https:\/\/\S+), metrics on (http:\/\/\S+)/.exec(out), 30_000);
    const metrics = await (await fetch(`${line[2]}/metrics`)).text();
    expect(metrics).toContain('snowtrail_operator_admissions_total');
    await waitFor('leader', async () => /snowtrail_operator_is_leader 1/.test(await (await fetch(`${line[2]}/metrics`)).text()), 20_000);
    expect(api.get('leases', 'snowtrail-system', 'snowtrail-operator')!.spec).toMatchObject({ holderIdentity: 'cli-test' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Released on the way out, so a new replica takes over without waiting a lease duration.
    expect((api.get('leases', 'snowtrail-system', 'snowtrail-operator')!.spec as { holderIdentity?: string }).holderIdentity).toBeUndefined();
  });

  it('rejects bad flags with the usage exit code 2 and a message naming the flag', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'operator', '--kubeconfig', join(dir, 'config'), '--cert-mode', 'vault'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain("option '--cert-mode <mode>' argument 'vault' is invalid. Allowed choices are self, cert-manager.");
  });
});
