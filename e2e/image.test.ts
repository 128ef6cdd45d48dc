import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startTokenIssuer, type TokenIssuerHandle } from '@snowtrail/devkit';
import { buildImageBundle, type BundleResult } from '../scripts/build-image-bundle.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/** The subcommands program.ts registers, read from its registry so a new command is checked too. */
function registeredCommands(): string[] {
  const main = readFileSync(join(root, 'packages/cli/src/program.ts'), 'utf8');
  const registry = /const COMMANDS[^{]*\{([\s\S]*?)\n\};/.exec(main)?.[1] ?? '';
  return [...registry.matchAll(/^\s*([a-z-]+):\s*\(\)\s*=>\s*import\(/gm)].map((m) => m[1]!);
}

/** Starts `node <bundle> ...args` and resolves with the URL it prints once ready. */
function startFromBundle(bundle: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: dirname(bundle), env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready: ${err.slice(-2000)}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('image bundle (what the Dockerfile ships)', () => {
  // Outside the repository, so Node cannot fall back to the workspace's node_modules.
  const outdir = mkdtempSync(join(tmpdir(), 'snowtrail-image-'));
  let result: BundleResult;

  beforeAll(async () => {
    result = await buildImageBundle({ outdir, version: '9.8.7-test' });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('runs --help from the bundle alone and lists every subcommand', async () => {
    const { stdout } = await run(process.execPath, [join(outdir, 'snowtrail.mjs'), '--help'], { cwd: outdir });
    const commands = registeredCommands();
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const name of commands) expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it('reports the version it was built with', async () => {
    const { stdout } = await run(process.execPath, [join(outdir, 'snowtrail.mjs'), '--version'], { cwd: outdir });
    expect(stdout.trim()).toBe('9.8.7-test');
  });

  it('does not load DuckDB on the sidecar and operator paths (the native import is lazy)', async () => {
    // A preload that reports, at exit, whether any @duckdb module was required.
    const probe = join(outdir, 'duckdb-probe.cjs');
    writeFileSync(probe, "process.on('exit', () => { if (Object.keys(require.cache).some((k) => k.includes('@duckdb'))) process.stderr.write('DUCKDB_LOADED'); });\n");
    for (const args of [['--version'], ['sidecar', '--help'], ['operator', '--help']]) {
      const { stderr } = await run(process.execPath, ['--require', probe, join(outdir, 'snowtrail.mjs'), ...args], { cwd: outdir });
      expect({ args, loaded: stderr.includes('DUCKDB_LOADED') }).toEqual({ args, loaded: false });
    }
    // The probe itself works: the emulator's engine does load it.
    const { stderr } = await run(process.execPath, ['--require', probe, '--input-type=module', '-e', "await import('@duckdb/node-api')"], { cwd: outdir });
    expect(stderr).toContain('DUCKDB_LOADED');
  });

  it('inlines the workspace and keeps only the native DuckDB packages beside it', () => {
    const bundle = readFileSync(result.bundle, 'utf8');
    expect(bundle).not.toMatch(/from ["']@snowtrail\//);
    expect(result.copiedPackages).toContain('@duckdb/node-api');
    expect(result.copiedPackages.some((p) => /^@duckdb\/node-bindings-linux-/.test(p))).toBe(true);
    expect(existsSync(join(outdir, 'node_modules/@duckdb/node-api/package.json'))).toBe(true);
    // Only what the natives need: no development tooling leaks into the image.
    expect(readdirSync(join(outdir, 'node_modules')).sort()).toEqual(['@duckdb', 'detect-libc']);
  });

  it('is ASCII only, so V8 holds its source at one byte a character in every process', () => {
    const bundle = readFileSync(result.bundle, 'utf8');
    expect(bundle.length).toBeGreaterThan(1_000_000);
    expect([...bundle.matchAll(/[\u0080-\uffff]/g)].map((m) => bundle.slice(Math.max(0, m.index - 40), m.index + 10))).toEqual([]);
  });

  it('loads the native DuckDB binding from the copied packages', async () => {
    const probe = "const { DuckDBInstance } = await import('@duckdb/node-api'); const c = await (await DuckDBInstance.create(':memory:')).connect(); const r = await c.runAndReadAll('select 40 + 2 as x'); console.log(JSON.stringify(r.getRowObjectsJson()));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: outdir });
    expect(JSON.parse(stdout)).toEqual([{ x: 42 }]);
  });
});

describe('the bundle runs the roles the image is used for', () => {
  // Emulator and sidecar as child processes of the bundle alone (outside the repository), and the
  // e2e pipeline (real snowflake-sdk) through them: the same processes the kind suite runs in pods.
  const outdir = mkdtempSync(join(tmpdir(), 'snowtrail-image-run-'));
  const work = mkdtempSync(join(tmpdir(), 'snowtrail-image-work-'));
  const children: ChildProcess[] = [];
  const env = { PATH: process.env.PATH, HOME: work, TMPDIR: work };
  let issuer: TokenIssuerHandle;

  beforeAll(async () => {
    await buildImageBundle({ outdir });
    issuer = await startTokenIssuer();
  });
  afterAll(async () => {
    await Promise.all(children.map(stopChild));
    await issuer?.close();
    rmSync(outdir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the e2e pipeline through the bundled sidecar to the bundled emulator', async () => {
    const bundle = join(outdir, 'snowtrail.mjs');
    const password = randomUUID();
    const emulatorUrl = await startFromBundle(bundle, ['emulator', '--port', '0', '--account', 'SNOWTRAIL', '--user', `E2E_SIDECAR:${password}`, '--log-level', 'warn'], /listening on (http:\/\/\S+)/, env, children);

    const podUid = randomUUID();
    writeFileSync(join(work, 'password'), password);
    writeFileSync(join(work, 'signing-key.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    mkdirSync(join(work, 'spool'));
    mkdirSync(join(work, 'store'));
    const config = {
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid, allowedSubjects: ['system:serviceaccount:pipelines:etl'] },
      upstream: { url: emulatorUrl, account: 'SNOWTRAIL', user: 'E2E_SIDECAR', auth: { type: 'password', passwordFile: join(work, 'password') } },
      policy: { name: 'e2e', defaultAction: 'allow', statements: [{ name: 'no-exports', action: 'deny', classes: ['EXFILTRATION'] }, { name: 'no-drops', action: 'deny', classes: ['DROP'] }] },
      recording: { spoolDir: join(work, 'spool'), store: { type: 'dir', path: join(work, 'store') }, signing: { keyFile: join(work, 'signing-key.pem') } },
      logLevel: 'warn',
    };
    writeFileSync(join(work, 'sidecar.yaml'), stringify(config));
    const check = await run(process.execPath, [bundle, 'sidecar', '--config', join(work, 'sidecar.yaml'), '--check'], { cwd: outdir, env });
    expect(check.stderr).toBe('');
    const sidecarUrl = await startFromBundle(bundle, ['sidecar', '--config', join(work, 'sidecar.yaml')], /listening on (http:\/\/\S+)/, env, children);

    writeFileSync(join(work, 'token'), await issuer.mint({ namespace: 'pipelines', podName: 'e2e-pipeline-x', podUid, serviceAccount: 'etl', audience: 'snowtrail' }));
    const url = new URL(sidecarUrl);
    const { stdout } = await run(process.execPath, [join(root, 'e2e/pipeline/pipeline.mjs'), '--once'], {
      cwd: work,
      env: {
        ...env,
        SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
        SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1',
        SNOWFLAKE_ACCOUNT: 'SNOWTRAIL',
        SNOWFLAKE_HOST: url.hostname,
        SNOWFLAKE_PORT: url.port,
        SNOWFLAKE_PROTOCOL: 'http',
        SNOWFLAKE_AUTHENTICATOR: 'OAUTH',
        SNOWFLAKE_TOKEN_FILE: join(work, 'token'),
      },
    });
    expect(stdout).toContain('E2E_RESULT {"ok":true,"executed":4,"denied":2,"failed":[]}');
  });
});

/** Whether .dockerignore (last matching pattern wins, `!` re-includes) keeps `path` out of the build context. */
function isDockerIgnored(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = negate ? raw.slice(1) : raw;
    // `**/` matches zero or more directories (so `**/node_modules` also matches the top-level one).
    const body = pattern
      .split('**/')
      .map((part) => part.split('**').map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*'))
      .join('(?:.*/)?');
    const re = new RegExp(`^${body}(?:/.*)?$`);
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

describe('Dockerfile', () => {
  const workspaceManifests = [
    ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/package.json`),
    'benchmarks/package.json',
    'e2e/package.json',
  ].filter((p) => existsSync(join(root, p)));

  it('copies every workspace manifest before the frozen install', () => {
    // The install command itself (a line of its own), not the comment that mentions it.
    const install = /^\s+pnpm install --frozen-lockfile/m.exec(dockerfile)?.index ?? -1;
    expect(install).toBeGreaterThan(0);
    const before = dockerfile.slice(0, install);
    for (const manifest of workspaceManifests) expect(before).toContain(`COPY ${manifest} `);
  });

  it('copies only sources that exist and that .dockerignore lets into the build context', () => {
    const patterns = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(10);
    for (const src of sources) {
      expect({ src, exists: existsSync(join(root, src)), ignored: isDockerIgnored(src, patterns) }).toEqual({ src, exists: true, ignored: false });
    }
    // And the bulky or secret things stay out.
    for (const path of ['node_modules/x', 'packages/cli/node_modules/x', '.git/config', 'dist/snowtrail.mjs', 'e2e/chart.test.ts']) {
      expect({ path, ignored: isDockerIgnored(path, patterns) }).toEqual({ path, ignored: true });
    }
  });

  it('builds with the tested bundle script and runs it as the entrypoint, non-root', () => {
    expect(dockerfile).toContain('node --import tsx scripts/build-image-bundle.ts --outdir /out');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node","\/app\/snowtrail\.mjs"\]$/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER 65532:65532$/m);
  });
});
