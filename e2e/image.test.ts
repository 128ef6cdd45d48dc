import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildImageBundle, type BundleResult } from '../scripts/build-image-bundle.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/** The subcommands main.ts registers, read from its registry so a new command is checked too. */
function registeredCommands(): string[] {
  const main = readFileSync(join(root, 'packages/cli/src/main.ts'), 'utf8');
  const registry = /const COMMANDS[^{]*\{([\s\S]*?)\n\};/.exec(main)?.[1] ?? '';
  return [...registry.matchAll(/^\s*([a-z-]+):\s*\(\)\s*=>\s*import\(/gm)].map((m) => m[1]!);
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

  it('inlines the workspace and keeps only the native DuckDB packages beside it', () => {
    const bundle = readFileSync(result.bundle, 'utf8');
    expect(bundle).not.toMatch(/from ["']@snowtrail\//);
    expect(result.copiedPackages).toContain('@duckdb/node-api');
    expect(result.copiedPackages.some((p) => /^@duckdb\/node-bindings-linux-/.test(p))).toBe(true);
    expect(existsSync(join(outdir, 'node_modules/@duckdb/node-api/package.json'))).toBe(true);
    // Only what the natives need: no development tooling leaks into the image.
    expect(readdirSync(join(outdir, 'node_modules')).sort()).toEqual(['@duckdb', 'detect-libc']);
  });

  it('loads the native DuckDB binding from the copied packages', async () => {
    const probe = "const { DuckDBInstance } = await import('@duckdb/node-api'); const c = await (await DuckDBInstance.create(':memory:')).connect(); const r = await c.runAndReadAll('select 40 + 2 as x'); console.log(JSON.stringify(r.getRowObjectsJson()));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: outdir });
    expect(JSON.parse(stdout)).toEqual([{ x: 42 }]);
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
