import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(root, 'e2e/run.sh');

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...args], { cwd: root, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function onPath(tool: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((d) => d && existsSync(join(d, tool)));
}

/** Whether a Docker engine answers, decided independently of the script. */
function dockerEngineAnswers(): boolean {
  if (!onPath('docker')) return false;
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

describe('e2e/run.sh tool detection', () => {
  it('--check reports each tool exactly as this machine has it, and exits 0', async () => {
    const { code, out } = await runScript(['--check'], process.env);
    expect(code).toBe(0);
    expect(out).toMatch(dockerEngineAnswers() ? /docker engine\s+available/ : /docker engine\s+MISSING/);
    for (const tool of ['kind', 'kubectl', 'helm']) {
      expect(out).toMatch(new RegExp(`${tool}\\s+${onPath(tool) ? 'available' : 'MISSING'}`));
    }
  });

  describe('on a machine with none of the cluster tools', () => {
    // A PATH with only the basic utilities the script itself needs: no docker, kind, kubectl or helm.
    const bin = mkdtempSync(join(tmpdir(), 'snowtrail-e2e-path-'));
    for (const tool of ['bash', 'sh', 'sed', 'grep', 'awk', 'head', 'paste', 'printf', 'cat', 'dirname', 'env']) {
      const found = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, tool)).find((p) => existsSync(p));
      if (found) symlinkSync(found, join(bin, tool));
    }
    afterAll(() => rmSync(bin, { recursive: true, force: true }));

    it('names every missing tool, runs nothing, claims no pass, and exits 0', async () => {
      const { code, out } = await runScript([], { ...process.env, PATH: bin });
      expect(code).toBe(0);
      expect(out).toMatch(/docker engine\s+MISSING: no docker command on PATH/);
      expect(out).toMatch(/SKIPPED helm lint \/ helm template: helm is not installed/);
      expect(out).toContain('SKIPPED the cluster suite: missing docker engine, kind, kubectl, helm.');
      expect(out).not.toMatch(/PASS|ALL \d+ STEPS PASSED/);
      expect(out).not.toMatch(/== step/);
    });
  });

  it('--plan lists the steps the issue asks for', async () => {
    const { code, out } = await runScript(['--plan'], process.env);
    expect(code).toBe(0);
    for (const phrase of ['kind cluster', 'MinIO', 'Object Lock', 'emulator', 'helm install', 'Job', 'denied', 'un-annotated', 'metrics', 'sessions list/verify']) {
      expect(out).toContain(phrase);
    }
  });
});
