/**
 * The sidecar side by side with direct and nginx, in one run, against the fast fake upstream
 * (benchmarks/fake-upstream.ts), so the proxy is what is measured:
 *  - paths: direct (client → fake), nginx (reference reverse proxy, when installed), and the sidecar
 *    in three variants, each its own process: proxy only (a recorder that drops everything),
 *    recording `best-effort` and recording `required` (spool on local disk, store a local dir or s3rver);
 *  - clients: raw HTTP (undici) and snowflake-sdk;
 *  - measures: small-statement latency at concurrency 1 and 8, chunk throughput with the sidecar's
 *    RSS sampled every 10 ms, idle RSS. Paths are interleaved round by round so they share the
 *    machine's noise; each sidecar variant is compared with the direct rounds run beside it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, destroy, execute, executeStreamCount, startS3rver, startTokenIssuer, type Connection, type S3ServerHandle } from '@snowtrail/devkit';
import { startFakeUpstream } from './fake-upstream.js';
import { findNginx, startNginx, type NginxProxy } from './nginx.js';
import { closedLoop, closePools, downloadChunks, login, query, type Target } from './lib/raw-client.js';
import { bundleSidecarChild, rssMiB, sampleRss, spawnSidecar } from './lib/sidecar-process.js';
import { median, percentile } from './lib/stats.js';

const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b001';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };

/** The sidecar variants measured. */
export const MODES = ['proxy-only', 'best-effort', 'required'] as const;
export type Mode = (typeof MODES)[number];

/** How big the run is. */
export interface Sizes {
  rows: number;
  latencyPerRound: number;
  rounds: number;
  c8Count: number;
  chunkPasses: number;
  sdkStatements: number;
  sdkRows: number;
}

export const FULL: Sizes = { rows: 2_000_000, latencyPerRound: 400, rounds: 3, c8Count: 1600, chunkPasses: 3, sdkStatements: 150, sdkRows: 100_000 };
export const QUICK: Sizes = { rows: 101_000, latencyPerRound: 60, rounds: 2, c8Count: 160, chunkPasses: 1, sdkStatements: 10, sdkRows: 21_000 };

/** Samples of one path (all in ms, except throughput in MiB/s). */
export interface PathSamples {
  c1: number[];
  c8: number[];
  c8Rate: number[];
  mibps: number[];
  sdkC1: number[];
  sdkRowsMs: number[];
}

/** What one sidecar variant measured, with the direct and nginx rounds interleaved with it. */
export interface ModeResult {
  mode: Mode;
  direct: PathSamples;
  nginx?: PathSamples;
  sidecar: PathSamples;
  idleRssMiB: number;
  rssBeforeChunksMiB: number;
  rssPeakChunksMiB: number;
  /** RSS after the chunk downloads and 2 s of idle: what stays (vs what the GC gives back). */
  rssAfterIdleMiB: number;
  /** Bytes the recorder left in its spool and store after the variant's run (0 for the proxy alone). */
  recordedMiB: number;
}

/** Everything the run measured. */
export interface SideBySideResult {
  sizes: Sizes;
  store: 'dir' | 's3';
  nginx: string | undefined;
  chunkCount: number;
  chunkMiB: number;
  fdatasyncP50Ms: number;
  modes: ModeResult[];
}

const emptySamples = (): PathSamples => ({ c1: [], c8: [], c8Rate: [], mibps: [], sdkC1: [], sdkRowsMs: [] });

/** p50 of `fdatasync` after a small append on the spool's disk: the unit of the `required` target. */
function measureFdatasync(dir: string, count: number): number {
  const fd = openSync(join(dir, 'fdatasync-probe'), 'a');
  const samples: number[] = [];
  const line = randomBytes(256);
  try {
    for (let i = 0; i < count; i++) {
      writeSync(fd, line);
      const s = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - s);
    }
  } finally {
    closeSync(fd);
  }
  return median(samples);
}

interface Paths {
  raw: Target[];
  sdk: Connection[];
  samples: PathSamples[];
}

/** One round of each measure over every path, in turn. */
async function measureRound(p: Paths, sizes: Sizes, rowsSql: string, sidecarPid: number, rss: { before: number; peak: number }): Promise<void> {
  for (let i = 0; i < p.raw.length; i++) p.samples[i]!.c1.push(...(await closedLoop(p.raw[i]!, 1, sizes.latencyPerRound)).latencies);
  for (let i = 0; i < p.raw.length; i++) {
    const r = await closedLoop(p.raw[i]!, 8, Math.round(sizes.c8Count / sizes.rounds));
    p.samples[i]!.c8.push(...r.latencies);
    p.samples[i]!.c8Rate.push(r.latencies.length / r.seconds);
  }
  for (let i = 0; i < p.sdk.length; i++) {
    for (let n = 0; n < Math.ceil(sizes.sdkStatements / sizes.rounds); n++) {
      const s = performance.now();
      await execute(p.sdk[i]!, 'select 1');
      p.samples[i]!.sdkC1.push(performance.now() - s);
    }
  }
  const last = p.raw.length - 1;
  for (let pass = 0; pass < Math.ceil(sizes.chunkPasses / sizes.rounds); pass++) {
    for (let i = 0; i < p.raw.length; i++) {
      const env = await query(p.raw[i]!, rowsSql);
      const sampler = i === last ? sampleRss(sidecarPid) : undefined;
      const d = await downloadChunks(env, p.raw[i]!.url);
      if (sampler) rss.peak = Math.max(rss.peak, sampler.stop());
      p.samples[i]!.mibps.push(d.bytes / 1048576 / (d.ms / 1000));
    }
  }
}

/** Runs the side-by-side benchmark; `log` gets progress lines. */
export async function runSideBySide(options: { sizes: Sizes; store: 'dir' | 's3'; log: (line: string) => void }): Promise<SideBySideResult> {
  const { sizes, log } = options;
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(join(dir, 'key.p8'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const issuer = await startTokenIssuer();
    cleanups.unshift(() => issuer.close());
    const fake = await startFakeUpstream();
    cleanups.unshift(() => fake.close());
    const rowsSql = `select * from rows_${sizes.rows}`;
    const prepared = fake.prepare(sizes.rows);
    if (sizes.sdkRows > 0) fake.prepare(sizes.sdkRows);
    const chunkMiB = prepared.chunks.reduce((n, c) => n + c.body.length, 0) / 1048576;
    log(`fake upstream ${fake.url}: ${sizes.rows.toLocaleString('en')} rows in ${prepared.chunks.length} chunks (${chunkMiB.toFixed(1)} MiB gzip)`);

    const nginxBinary = findNginx();
    let nginx: NginxProxy | undefined;
    if (nginxBinary) {
      nginx = await startNginx(nginxBinary, join(dir, 'nginx'), fake.url);
      cleanups.unshift(() => nginx!.close());
      log(`nginx (${nginxBinary}) at ${nginx.url}`);
    } else log('nginx is NOT installed: the nginx path is not run (install it with scripts/bootstrap.sh --with-bench)');

    let s3: S3ServerHandle | undefined;
    if (options.store === 's3') {
      s3 = await startS3rver();
      cleanups.unshift(() => s3!.close());
      await s3.createBucket('bench');
      await writeFile(join(dir, 's3-id'), s3.accessKeyId);
      await writeFile(join(dir, 's3-secret'), s3.secretAccessKey);
    }
    const fdatasyncP50Ms = measureFdatasync(dir, 200);
    const entry = await bundleSidecarChild(dir);

    const directLogin = { ACCOUNT_NAME: 'BENCH', LOGIN_NAME: 'BENCH', PASSWORD: 'bench', AUTHENTICATOR: 'SNOWFLAKE' };
    const sdkDirect = (url: string): Promise<Connection> => connect({ accessUrl: url, account: 'BENCH', username: 'BENCH', password: 'bench' });
    const direct = await login('direct', fake.url, directLogin);
    const viaNginx = nginx ? await login('nginx', nginx.url, directLogin) : undefined;
    const sdkConns: Connection[] = [await sdkDirect(fake.url)];
    if (nginx) sdkConns.push(await sdkDirect(nginx.url));
    cleanups.unshift(() => Promise.all(sdkConns.map((c) => destroy(c))));

    const modes: ModeResult[] = [];
    for (const mode of MODES) {
      const store = s3
        ? { type: 's3', bucket: 'bench', prefix: mode, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyIdFile: join(dir, 's3-id'), secretAccessKeyFile: join(dir, 's3-secret') }
        : { type: 'dir', path: join(dir, `store-${mode}`) };
      const config = {
        listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 },
        identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
        upstream: { url: fake.url, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
        recording: { mode: mode === 'required' ? 'required' : 'best-effort', spoolDir: join(dir, `spool-${mode}`), store, signing: { keyFile: join(dir, 'signing.pem') } },
        logLevel: 'warn',
      };
      const configPath = join(dir, `config-${mode}.json`);
      await writeFile(configPath, JSON.stringify(config));
      const sc = await spawnSidecar(entry, configPath, mode === 'proxy-only' ? 'null' : 'real');
      try {
        const side = await login(`sidecar ${mode}`, sc.url, { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) });
        const sdkSide = await connect({ accessUrl: sc.url, account: 'BENCH', authenticator: 'OAUTH', token: await issuer.mint(CLAIMS) });
        try {
          await new Promise((r) => setTimeout(r, 1000));
          const idleRssMiB = rssMiB(sc.proc.pid!);
          const raw = [direct, ...(viaNginx ? [viaNginx] : []), side];
          const paths: Paths = { raw, sdk: [...sdkConns, sdkSide], samples: raw.map(emptySamples) };
          // Warm-up: connections, JIT, and one chunk download per path (untimed).
          for (const t of raw) {
            await closedLoop(t, 8, 40);
            await downloadChunks(await query(t, rowsSql), t.url);
          }
          const rss = { before: rssMiB(sc.proc.pid!), peak: 0 };
          for (let round = 0; round < sizes.rounds; round++) {
            log(`${mode}: round ${round + 1}/${sizes.rounds}`);
            await measureRound(paths, sizes, rowsSql, sc.proc.pid!, rss);
          }
          await new Promise((r) => setTimeout(r, 2000));
          const rssAfterIdleMiB = rssMiB(sc.proc.pid!);
          if (sizes.sdkRows > 0) {
            for (let i = 0; i < paths.sdk.length; i++) {
              const s = performance.now();
              const n = await executeStreamCount(paths.sdk[i]!, `select * from rows_${sizes.sdkRows}`);
              if (n !== sizes.sdkRows) throw new Error(`${raw[i]!.name}: snowflake-sdk read ${n} rows of ${sizes.sdkRows}`);
              paths.samples[i]!.sdkRowsMs.push(performance.now() - s);
            }
          }
          const samples = paths.samples;
          modes.push({ mode, direct: samples[0]!, ...(viaNginx ? { nginx: samples[1]! } : {}), sidecar: samples.at(-1)!, idleRssMiB, rssBeforeChunksMiB: rss.before, rssPeakChunksMiB: rss.peak, rssAfterIdleMiB, recordedMiB: 0 });
        } finally {
          await destroy(sdkSide);
        }
      } finally {
        await sc.close();
      }
      const last = modes.at(-1);
      if (last?.mode === mode) last.recordedMiB = (await treeBytes(join(dir, `spool-${mode}`)) + (s3 ? 0 : await treeBytes(join(dir, `store-${mode}`)))) / 1048576;
    }
    return { sizes, store: options.store, nginx: nginxBinary, chunkCount: prepared.chunks.length, chunkMiB, fdatasyncP50Ms, modes };
  } finally {
    await closePools();
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

/** Sorted copy, for percentiles. */
export const sorted = (a: readonly number[]): number[] => [...a].sort((x, y) => x - y);
/** Total size of the files under `path` (0 when it does not exist). */
async function treeBytes(path: string): Promise<number> {
  const entries = await readdir(path, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

/** p-th percentile of unsorted samples. */
export const pct = (a: readonly number[], p: number): number => percentile(sorted(a), p);
