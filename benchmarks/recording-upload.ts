/**
 * The recorder's upload path against one store, several ways in the same run, in turn so all see
 * the same load: `serial` (one part of a blob, one blob of a session at a time, no body budget: the
 * upload path before ADR 0100), `default` (the recorder's defaults) and `whole` (the defaults, but
 * objects up to 64 MiB in one PUT: what raising the multipart threshold would give). The load is the recording
 * benchmark's payload phase — 8 sessions each streaming one 32 MiB chunk — and each round reports
 * the time until every payload byte is in the spool (`written`) and until the store acknowledged
 * the last digest (`total`), so the write and the upload can be told apart.
 *
 * Run: node --import tsx benchmarks/recording-upload.ts [--rounds=6] [--ways=serial,default,whole] [--s3rver] [--object-lock]
 * (radosgw from packages/devkit by default; a fresh one pays its multipart pool creation, about
 * 2 s, on the first round's first multipart upload: that round is reported but left out of the medians).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { SidecarConfig } from '@snowtrail/config';
import { startRadosgw, startS3rver } from '@snowtrail/devkit';
import { createRecorder, createS3Store, type RecorderOptions } from '@snowtrail/recording';

const MiB = 1024 * 1024;
const SESSIONS = 8;
const PER_SESSION = 32 * MiB;
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 6);
const isS3rver = process.argv.includes('--s3rver');
// radosgw's memstore holds 2 GiB and frees nothing in time (its GC runs hours later): a full OSD
// stalls every PUT, and the recorder then retries forever, as it should.
if (!isS3rver && rounds * SESSIONS * PER_SESSION > 1536 * MiB) throw new Error(`recording-upload: at most ${Math.floor((1536 * MiB) / (SESSIONS * PER_SESSION))} rounds fit radosgw's memory store`);
const logger = pino({ level: 'silent' });
const base = await mkdtemp(join(tmpdir(), 'bench-recording-upload-'));
const keyFile = join(base, 'key.pem');
await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
const server = isS3rver ? await startS3rver() : await startRadosgw();
const objectLock = process.argv.includes('--object-lock');
await server.createBucket('bench', { objectLock });
const client = server.client();

const identity = { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'bench', podUid: 'uid', serviceAccount: 'etl' };
const start = { identity, policy: { name: 'p', generation: 1 }, snowflake: { account: 'SNOWTRAIL', user: 'ETL' }, client: { app: 'JavaScript' } };
const piece = Buffer.alloc(64 * 1024);
for (let i = 0; i < piece.length; i++) piece[i] = (i * 7919) % 251;

const WAYS = ['serial', 'default', 'whole'] as const;
type Way = (typeof WAYS)[number];
const ways = (process.argv.find((a) => a.startsWith('--ways='))?.slice('--ways='.length).split(',') ?? ['serial', 'default']) as Way[];
for (const w of ways) if (!WAYS.includes(w)) throw new Error(`recording-upload: unknown way ${w} (${WAYS.join(', ')})`);

/** One round: seconds until every byte is spooled and until the store has everything. */
async function round(way: Way, no: number): Promise<{ written: number; total: number }> {
  const prefix = `round${no}`;
  const lock = objectLock ? { objectLock: { mode: 'GOVERNANCE' as const, retainDays: 1 } } : {};
  const config: SidecarConfig['recording'] = {
    mode: 'required',
    spoolDir: join(base, `spool-${no}`),
    spoolMaxBytes: 4 * 1024 * MiB,
    store: { type: 's3', bucket: 'bench', prefix, endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true },
    flush: { intervalSeconds: 1, maxBytes: 8 * MiB },
    signing: { keyFile },
    redact: [],
    ...lock,
  };
  const serial: Partial<RecorderOptions> = { blobsInFlight: 1, uploadBodyBudgetBytes: 1024 * 1024 * MiB };
  const storeWay = way === 'serial' ? { multipartPartsInFlight: 1 } : way === 'whole' ? { multipartThresholdBytes: 64 * MiB } : {};
  const store = createS3Store({ client, bucket: 'bench', prefix: `${prefix}/`, ...lock, ...storeWay });
  const rec = await createRecorder({ config, registry: new Registry(), logger, store, ...(way === 'serial' ? serial : {}) });
  const t0 = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  let written = 0;
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const s = await rec.startSession(start);
      await s.queryStarted({ requestId: 'r-0', sqlText: 'select * from t', statements: [{ class: 'SELECT', reads: ['T'], writes: [] }], decision: 'allow' });
      const w = s.openResult({ requestId: 'r-0', part: 'chunk:0', format: 'json', compression: 'none' });
      for (let sent = 0; sent < PER_SESSION; sent += piece.length) await w.write(piece);
      await w.end();
      await s.end('client_logout');
      written = Math.max(written, seconds());
    }),
  );
  await rec.close();
  return { written, total: seconds() };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mibps = (s: number): number => +((SESSIONS * PER_SESSION) / MiB / s).toFixed(1);
const results: Record<string, unknown> = { store: isS3rver ? 's3rver' : 'radosgw', objectLock, load_at_start: loadavg().map((l) => +l.toFixed(2)) };
const samples: Record<Way, { written: number; total: number }[]> = { serial: [], default: [], whole: [] };
const log: string[] = [];
try {
  for (let no = 0; no < rounds; no++) {
    const way = ways[no % ways.length]!;
    const r = await round(way, no);
    log.push(`${no} ${way}: spooled in ${r.written.toFixed(2)} s, stored in ${r.total.toFixed(2)} s (${mibps(r.total)} MiB/s)`);
    process.stderr.write(`[recording-upload] ${log[log.length - 1]}\n`);
    // The first round of a fresh radosgw pays its multipart pool creation: reported, not counted.
    if (no > 0) samples[way].push(r);
  }
} finally {
  client.destroy();
  await server.close();
  await rm(base, { recursive: true, force: true });
}
for (const way of ways) {
  const s = samples[way];
  if (s.length === 0) continue;
  const written = median(s.map((r) => r.written));
  const total = median(s.map((r) => r.total));
  results[way] = { rounds: s.length, median_mib_per_second: mibps(total), median_spooled_s: +written.toFixed(2), median_stored_s: +total.toFixed(2), median_upload_after_spooled_s: +median(s.map((r) => r.total - r.written)).toFixed(2) };
}
results.rounds = log;
results.load_at_end = loadavg().map((l) => +l.toFixed(2));
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
