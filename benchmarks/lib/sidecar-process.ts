/**
 * The sidecar as its own process for benchmarks (benchmarks/sidecar-child.ts bundled with esbuild
 * like the image, so its RSS and start-up are the shipped shape), and its RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_NODE_OPTIONS } from '@snowtrail/operator';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A running sidecar child. */
export interface SidecarProcess {
  proc: ChildProcess;
  url: string;
  adminUrl: string;
  close(): Promise<void>;
}

/** Bundles benchmarks/sidecar-child.ts into `outdir`; returns the entry file. */
export async function bundleSidecarChild(outdir: string): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(BENCH_DIR, 'sidecar-child.ts')], bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node24',
    outdir: join(outdir, 'bundle'), outExtension: { '.js': '.js' }, logLevel: 'error',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
  });
  return join(outdir, 'bundle', 'sidecar-child.js');
}

/**
 * Spawns the bundled child with a config file; `null` uses a recorder that drops everything (the proxy alone).
 * The child runs with the Node options the operator gives the injected sidecar (SIDECAR_NODE_OPTIONS),
 * so the sidecar is measured as it is deployed. SNOWTRAIL_BENCH_CHILD_ARGS replaces them (e.g. `' '`
 * for Node's defaults), to compare a runtime setting in a run of its own; the generated report does
 * not name them, so a run with them is not a run of record.
 */
export async function spawnSidecar(entry: string, configPath: string, recorder: 'real' | 'null'): Promise<SidecarProcess> {
  const extra = (process.env.SNOWTRAIL_BENCH_CHILD_ARGS ?? SIDECAR_NODE_OPTIONS).split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extra, entry, configPath, recorder], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`sidecar exited ${code} before it was ready`)));
  });
  const info = JSON.parse(line) as { url: string; adminUrl: string };
  return {
    proc, url: info.url, adminUrl: info.adminUrl,
    close: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident set size of a process in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Samples a process's RSS every `ms` until stopped; returns the peak. */
export function sampleRss(pid: number, ms = 10): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // the process may exit while sampling
    }
  }, ms);
  return { stop: () => (clearInterval(timer), Math.max(peak, rssMiB(pid))) };
}
