/**
 * What holds the sidecar's memory while chunks stream through it: runs the sidecar child (as
 * `pnpm bench sidecar` does, from source) for a variant, downloads every chunk of a large result
 * through it a few times (prefetch 2, raw HTTP), and prints the child's RSS before and at peak with
 * the peak of each process.memoryUsage() field (heap, external, arrayBuffers) sampled every 20 ms,
 * and the download rate. SNOWTRAIL_MEM_NODE_ARGS: extra Node options for the child (e.g.
 * `--max-semi-space-size=1`), to compare a runtime setting.
 *
 *   node --import tsx benchmarks/memory-chunks.ts [--rows=N] [--passes=N] [--variants=proxy-only,required]
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTokenIssuer } from '@snowtrail/devkit';
import { startFakeUpstream } from './fake-upstream.js';
import { closePools, downloadChunks, login, query } from './lib/raw-client.js';
import { rssMiB, sampleRss } from './lib/sidecar-process.js';
import { median } from './lib/stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b001';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };
const MIB = 1048576;

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const rows = Number(arg('rows') ?? 2_000_000);
  const passes = Number(arg('passes') ?? 3);
  const variants = arg('variants')?.split(',') ?? ['proxy-only', 'required'];
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-mem-'));
  const issuer = await startTokenIssuer();
  const fake = await startFakeUpstream();
  fake.prepare(rows);
  await writeFile(join(dir, 'key.p8'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const lines: string[] = [`load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}; ${rows} rows, ${passes} passes`];
  try {
    for (const variant of variants) {
      const config = {
        listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 },
        identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
        upstream: { url: fake.url, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
        recording: { mode: variant === 'required' ? 'required' : 'best-effort', spoolDir: join(dir, `spool-${variant}`), store: { type: 'dir', path: join(dir, `store-${variant}`) }, signing: { keyFile: join(dir, 'signing.pem') } },
        logLevel: 'warn',
      };
      const configPath = join(dir, `config-${variant}.json`);
      await writeFile(configPath, JSON.stringify(config));
      const memFile = join(dir, `mem-${variant}.json`);
      const proc = spawn(process.execPath, [...(process.env.SNOWTRAIL_MEM_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', join(HERE, 'sidecar-child.ts'), configPath, variant === 'proxy-only' ? 'null' : 'real'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SNOWTRAIL_BENCH_MEMORY: memFile } });
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve((JSON.parse(out.slice(0, out.indexOf('\n'))) as { url: string }).url);
        });
        proc.once('exit', (c) => reject(new Error(`child exited ${c}`)));
      });
      const side = await login(variant, url, { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) });
      await downloadChunks(await query(side, `select * from rows_${rows}`), url);
      const before = rssMiB(proc.pid!);
      const sampler = sampleRss(proc.pid!);
      const rates: number[] = [];
      for (let i = 0; i < passes; i++) {
        const d = await downloadChunks(await query(side, `select * from rows_${rows}`), url);
        rates.push(d.bytes / MIB / (d.ms / 1000));
      }
      const peak = sampler.stop();
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      const mem = JSON.parse(await readFile(memFile, 'utf8')) as Record<'atStart' | 'peak' | 'atEnd', Record<string, number>>;
      const f = (o: Record<string, number>): string => ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'].map((k) => `${k} ${((o[k] ?? 0) / MIB).toFixed(1)}`).join(', ');
      lines.push(`${variant}: ${median(rates).toFixed(1)} MiB/s (median of ${passes}); RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MiB (growth ${(peak - before).toFixed(1)}); memoryUsage at start: ${f(mem.atStart)}; peaks: ${f(mem.peak)}`);
    }
  } finally {
    await closePools();
    await fake.close();
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && process.argv[1] === fileURLToPath(import.meta.url)) await main();
