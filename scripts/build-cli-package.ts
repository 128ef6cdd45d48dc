/**
 * Builds the installable `snowtrail` npm package: the CLI bundled into one file (`bin/snowtrail.mjs`,
 * the same esbuild build as the image, scripts/build-image-bundle.ts) and a package.json with a
 * `bin`. It carries no dependencies: `npm install -g` of the tarball works offline and installs
 * nothing else. DuckDB's native binding (only `snowtrail emulator` and `snowtrail demo` use it) is not
 * carried; it is loaded from beside the package when installed there (ADR 0008).
 *
 * Usage: node --import tsx scripts/build-cli-package.ts [--outdir dist/npm] [--version 0.1.0]
 * then `pnpm pack` (or `npm pack`) in the outdir.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NATIVE_EXTERNALS, NOT_SHIPPED, bundleCli } from './build-image-bundle.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The name the CLI is published under. */
export const CLI_PACKAGE_NAME = 'snowtrail';

/** What was built. */
export interface CliPackage {
  dir: string;
  bin: string;
  binBytes: number;
  manifest: Record<string, unknown>;
}

function duckdbVersion(): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages/emulator/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return manifest.dependencies['@duckdb/node-api']!;
}

/** Builds the package directory (ready for `pnpm pack`) into `outdir`. */
export async function buildCliPackage(options: { outdir: string; version?: string }): Promise<CliPackage> {
  const dir = resolve(options.outdir);
  const version = options.version ?? (JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const bin = join(dir, 'bin', 'snowtrail.mjs');
  await bundleCli({
    outfile: bin,
    version,
    lazyNative: NATIVE_EXTERNALS,
    lazyNativeMissing: `the snowtrail npm package does not carry DuckDB's native binding, which only \`snowtrail emulator\` and \`snowtrail demo\` use; install it beside snowtrail (npm install -g @duckdb/node-api@${duckdbVersion()}) or run the emulator from the container image`,
    notShipped: NOT_SHIPPED,
    shippedIn: 'the snowtrail npm package (development-only dependency; `snowtrail demo` runs from a clone)',
  });
  chmodSync(bin, 0o755);
  const manifest = {
    name: CLI_PACKAGE_NAME,
    version,
    description: 'snowtrail CLI: read, verify, trace and export recorded Snowflake sessions; inject the sidecar into manifests; run the sidecar and operator.',
    type: 'module',
    bin: { snowtrail: 'bin/snowtrail.mjs' },
    files: ['bin/', 'README.md', 'LICENSE*'],
    engines: { node: '>=22.12' },
    license: 'Apache-2.0',
    homepage: 'https://github.com/snowtrail/snowtrail',
    repository: { type: 'git', url: 'git+https://github.com/snowtrail/snowtrail.git' },
    keywords: ['snowflake', 'audit', 'recording', 'kubernetes', 'cli'],
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'README.md'),
    `# snowtrail CLI\n\nThe \`snowtrail\` command of [snowtrail](https://github.com/snowtrail/snowtrail) as one file with no dependencies.\n\n\`\`\`sh\nnpm install -g ${CLI_PACKAGE_NAME}\nsnowtrail sessions list --store s3://bucket/prefix/\nsnowtrail completion bash > /etc/bash_completion.d/snowtrail\n\`\`\`\n\n\`snowtrail emulator\` needs DuckDB's native binding, which this package does not carry: \`npm install -g @duckdb/node-api@${duckdbVersion()}\`, or use the container image.\n`,
  );
  const bundledLicense = `${bin}.LEGAL.txt`;
  try {
    statSync(bundledLicense);
    copyFileSync(bundledLicense, join(dir, 'LICENSE-THIRD-PARTY.txt'));
    rmSync(bundledLicense);
  } catch {
    // No third-party legal comments in this build.
  }
  return { dir, bin, binBytes: statSync(bin).size, manifest };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist/npm' }, version: { type: 'string' } } });
  const built = await buildCliPackage({ outdir: values.outdir!, ...(values.version ? { version: values.version } : {}) });
  process.stdout.write(`built ${built.dir} (bin ${(built.binBytes / 1024 / 1024).toFixed(1)} MiB); pack it with: (cd ${built.dir} && pnpm pack)\n`);
}
