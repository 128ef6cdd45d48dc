/**
 * Builds the container image's payload: the whole `snowtrail` CLI bundled by esbuild into one ESM
 * file, plus the native packages that cannot be bundled (DuckDB's prebuilt binding), copied with
 * their dependency closure into `<outdir>/node_modules`. The Dockerfile runs exactly this script, so
 * what is tested here (`node <outdir>/snowtrail.mjs --help`) is what the image runs.
 *
 * Usage: node --import tsx scripts/build-image-bundle.ts [--outdir dist] [--version 0.1.0]
 */
import { build, type Plugin } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { asciiComments } from './ascii-comments.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages with native code or files read at run time: kept out of the bundle and copied beside it. */
export const NATIVE_EXTERNALS = ['@duckdb/node-api'];

/**
 * Packages that only development-time commands use (the local demo drives snowflake-sdk as its
 * client). They are not shipped; importing one in the image fails with a clear error at use.
 */
export const NOT_SHIPPED = ['snowflake-sdk'];

/** Options of {@link buildImageBundle}. */
export interface BundleOptions {
  outdir: string;
  version?: string;
  entry?: string;
}

/** What was built. */
export interface BundleResult {
  bundle: string;
  bundleBytes: number;
  copiedPackages: string[];
}

// ESM output of CommonJS dependencies still calls require() for Node built-ins and reads __dirname.
const BANNER = [
  "import { createRequire as __snowtrailCreateRequire } from 'node:module';",
  "import { fileURLToPath as __snowtrailFileURLToPath } from 'node:url';",
  "import { dirname as __snowtrailDirname } from 'node:path';",
  'const require = __snowtrailCreateRequire(import.meta.url);',
  'const __filename = __snowtrailFileURLToPath(import.meta.url);',
  'const __dirname = __snowtrailDirname(__filename);',
].join('\n');

/** Finds the real directory of package `name` the way Node would, starting at `fromDir`. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The package and every installed (optional) dependency, transitively, as name → real directory. */
export function dependencyClosure(name: string, fromDir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (pkg: string, from: string, optional: boolean): void => {
    if (found.has(pkg)) return;
    const dir = findPackageDir(pkg, from);
    if (!dir) {
      // Optional dependencies are per-platform binaries; only the installed one is shipped.
      if (optional) return;
      throw Object.assign(new Error(`${pkg} (needed by the image) is not installed; run pnpm install`), { code: 'SNOWTRAIL_ERR_BUILD_MISSING_PACKAGE' });
    }
    found.set(pkg, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(name, fromDir, false);
  return found;
}

/** Replaces development-only packages by a module that throws a clear error when used. */
function notShippedPlugin(names: readonly string[], where: string): Plugin {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/.*)?$`);
  return {
    name: 'snowtrail-not-shipped',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'snowtrail-not-shipped' }));
      b.onLoad({ filter: /.*/, namespace: 'snowtrail-not-shipped' }, (args) => ({
        loader: 'js',
        contents: `
          const fail = () => { throw Object.assign(new Error(${JSON.stringify(`${args.path} is not included in ${where}`)}), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' }); };
          module.exports = new Proxy(function () {}, {
            get(_t, key) { return key === '__esModule' || typeof key === 'symbol' ? undefined : fail(); },
            apply: fail, construct: fail,
          });`,
      }));
    },
  };
}

/**
 * Keeps native packages out of the bundle AND off the start-up path. A plain `external` would be
 * hoisted by esbuild into a top-level `import` of the ESM bundle, so every `snowtrail sidecar` would
 * load DuckDB's native library it never uses. Routing the import through a tiny CommonJS module
 * (`module.exports = require(name)`) lets esbuild wrap it lazily: it is required on first use only.
 */
function lazyNativePlugin(names: readonly string[], missing?: string): Plugin {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'snowtrail-lazy-native',
    setup(b) {
      b.onResolve({ filter }, (args) =>
        args.namespace === 'snowtrail-lazy-native' ? { path: args.path, external: true } : { path: args.path, namespace: 'snowtrail-lazy-native' },
      );
      b.onLoad({ filter: /.*/, namespace: 'snowtrail-lazy-native' }, (args) => ({
        loader: 'js',
        contents: missing
          ? `try { module.exports = require(${JSON.stringify(args.path)}); } catch (err) {
               if (err && err.code !== 'MODULE_NOT_FOUND') throw err;
               throw Object.assign(new Error(${JSON.stringify(`${args.path} is not installed: ${missing}`)}), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE', cause: err });
             }`
          : `module.exports = require(${JSON.stringify(args.path)});`,
      }));
    },
  };
}

/** What {@link bundleCli} takes. */
export interface BundleCliOptions {
  outfile: string;
  version?: string;
  entry?: string;
  /** Packages kept out of the bundle and loaded on first use from a node_modules beside it. */
  lazyNative: readonly string[];
  /** When set, a lazy package that is not installed fails with SNOWTRAIL_ERR_CLI_UNAVAILABLE and this hint. */
  lazyNativeMissing?: string;
  /** Packages replaced by a module that fails with SNOWTRAIL_ERR_CLI_UNAVAILABLE when used. */
  notShipped: readonly string[];
  /** Where the bundle runs, for that error's message ("the snowtrail image"). */
  shippedIn: string;
}

/** Bundles the `snowtrail` CLI into one ESM file (shared by the image and the npm package). */
export async function bundleCli(options: BundleCliOptions): Promise<void> {
  await build({
    entryPoints: [options.entry ?? join(repoRoot, 'packages/cli/src/main.ts')],
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Workspace packages export TypeScript sources; conditions keep ESM builds of dual packages.
    conditions: ['node', 'import'],
    mainFields: ['module', 'main'],
    plugins: [lazyNativePlugin(options.lazyNative, options.lazyNativeMissing), notShippedPlugin(options.notShipped, options.shippedIn)],
    banner: { js: BANNER },
    define: options.version ? { 'process.env.SNOWTRAIL_VERSION': JSON.stringify(options.version) } : {},
    legalComments: 'linked',
    logLevel: 'warning',
    sourcemap: false,
    minify: false,
  });
  // One byte a character for V8: the comments esbuild keeps are the only non-ASCII text left.
  const { text, outside } = asciiComments(readFileSync(options.outfile, 'utf8'));
  if (outside > 0) process.stderr.write(`warning: bundle ${options.outfile} keeps ${outside} non-ASCII characters outside comments: V8 holds its source at two bytes a character\n`);
  writeFileSync(options.outfile, text);
}

/** Bundles the CLI into `<outdir>/snowtrail.mjs` and copies the native externals beside it. */
export async function buildImageBundle(options: BundleOptions): Promise<BundleResult> {
  const outdir = resolve(options.outdir);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const bundle = join(outdir, 'snowtrail.mjs');
  await bundleCli({
    outfile: bundle,
    ...(options.version ? { version: options.version } : {}),
    ...(options.entry ? { entry: options.entry } : {}),
    lazyNative: NATIVE_EXTERNALS,
    notShipped: NOT_SHIPPED,
    shippedIn: 'the snowtrail image (development-only dependency)',
  });

  // Resolve natives from the packages that depend on them (pnpm keeps them out of the root).
  const copied: string[] = [];
  const searchFrom = [join(repoRoot, 'packages/emulator'), join(repoRoot, 'packages/cli'), repoRoot];
  for (const name of NATIVE_EXTERNALS) {
    const from = searchFrom.find((d) => findPackageDir(name, d) !== undefined);
    if (!from) throw Object.assign(new Error(`${name} is not installed; run pnpm install`), { code: 'SNOWTRAIL_ERR_BUILD_MISSING_PACKAGE' });
    for (const [pkg, dir] of dependencyClosure(name, from)) {
      cpSync(dir, join(outdir, 'node_modules', pkg), { recursive: true, dereference: true });
      copied.push(pkg);
    }
  }
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ name: 'snowtrail-image', private: true, type: 'module' }, null, 2)}\n`);
  return { bundle, bundleBytes: statSync(bundle).size, copiedPackages: copied.sort() };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' }, version: { type: 'string' } } });
  const result = await buildImageBundle({ outdir: values.outdir!, version: values.version });
  process.stdout.write(
    `built ${result.bundle} (${(result.bundleBytes / 1024 / 1024).toFixed(1)} MiB); native packages copied: ${result.copiedPackages.join(', ')}\n`,
  );
}
