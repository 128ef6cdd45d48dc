/**
 * Recording benchmark: events/s with fsync group commit, payload bytes/s to S3 (s3rver, and radosgw
 * where it is installed), lag from a statement to its digest in S3, the latency recording adds per
 * event and per small statement (a read's query + answer, a write's). Real spool on disk, real S3
 * servers as child processes. Run: node --import tsx benchmarks/recording.ts [--quick]
 * (`--quick`: shorter phases, for the runner's smoke test; `pnpm bench recording` runs it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { SidecarConfig } from '@snowtrail/config';
import { isRadosgwInstalled, startRadosgw, startS3rver, type S3ServerHandle } from '@snowtrail/devkit';
import { createRecorder, createS3Store, digestKey, type Recorder, type SessionRecording } from '@snowtrail/recording';

const logger = pino({ level: 'silent' });
const QUICK = process.argv.includes('--quick');
const base = await mkdtemp(join(tmpdir(), 'bench-recording-'));
const keyFile = join(base, 'key.pem');
await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
const s3 = await startS3rver();
await s3.createBucket('bench');
let spools = 0;

function config(extra: Partial<SidecarConfig['recording']> = {}, server: S3ServerHandle = s3): SidecarConfig['recording'] {
  return {
    mode: 'required',
    spoolDir: join(base, `spool-${++spools}`),
    spoolMaxBytes: 4 * 1024 * 1024 * 1024,
    store: { type: 's3', bucket: 'bench', prefix: `run${spools}`, endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true },
    flush: { intervalSeconds: 5, maxBytes: 8 * 1024 * 1024 },
    signing: { keyFile },
    redact: [],
    ...extra,
  };
}

async function recorder(extra: Partial<SidecarConfig['recording']> = {}, server: S3ServerHandle = s3): Promise<Recorder> {
  return createRecorder({ config: config(extra, server), registry: new Registry(), logger, s3Client: server.client() });
}

/** fdatasync of a small append on the spool's disk, p50 in ms: the unit the latency targets are counted in. */
function fdatasyncP50(): number {
  const fd = openSync(join(base, 'fsync-probe'), 'a');
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    writeSync(fd, 'x'.repeat(200));
    const t = process.hrtime.bigint();
    fdatasyncSync(fd);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  closeSync(fd);
  return pct(samples.sort((a, b) => a - b), 50);
}

const identity = { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'bench', podUid: 'uid', serviceAccount: 'etl' };
const start = { identity, policy: { name: 'p', generation: 1 }, snowflake: { account: 'SNOWTRAIL', user: 'ETL' }, client: { app: 'JavaScript' } };
const query = (i: number) => ({ requestId: `r-${i}`, sqlText: `insert into analytics.public.daily_revenue select region, sum(amount) from raw.public.orders where day = '2026-11-${(i % 28) + 1}' group by region`, statements: [{ class: 'INSERT', reads: ['RAW.PUBLIC.ORDERS'], writes: ['ANALYTICS.PUBLIC.DAILY_REVENUE'] }], decision: 'allow' as const });

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const results: Record<string, unknown> = {};

// 1. Events per second, required mode: many statements in flight across sessions share each fsync.
for (const inflight of [1, 16, 64, 256]) {
  const rec = await recorder();
  const sessions: SessionRecording[] = [];
  for (let s = 0; s < Math.min(inflight, 32); s++) sessions.push(await rec.startSession(start));
  let events = 0;
  const until = Date.now() + (QUICK ? 1000 : 5000);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inflight }, async (_, w) => {
      const s = sessions[w % sessions.length]!;
      for (let i = 0; Date.now() < until; i++) {
        await s.queryStarted(query(i));
        events++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  results[`events_per_second_inflight_${inflight}`] = Math.round(events / seconds);
  await rec.close();
}

// 2. Added latency per event (one statement at a time: the fsync a statement waits for), required and best-effort.
for (const mode of ['required', 'best-effort'] as const) {
  const rec = await recorder({ mode });
  const s = await rec.startSession(start);
  const samples: number[] = [];
  for (let i = 0; i < (QUICK ? 200 : 2000); i++) {
    const t = process.hrtime.bigint();
    await s.queryStarted(query(i));
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  results[`added_latency_ms_${mode}`] = { p50: +pct(samples, 50).toFixed(3), p99: +pct(samples, 99).toFixed(3) };
  await rec.close();
}

// 2b. A whole small statement, required mode: an effect-free read (forwarded once its query event is
// written, answered once query and answer are durable) and a write (query durable before forwarding).
results.fdatasync_p50_ms = +fdatasyncP50().toFixed(3);
for (const carried of [false, true]) {
  const rec = await recorder(carried ? { journalPayloadMaxBytes: 16 * 1024 } : {});
  const s = await rec.startSession(start);
  const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: '1', type: 'fixed' }], rowset: [['1']], total: 1, returned: 1 }, success: true }));
  for (const kind of ['read', 'write'] as const) {
    const forward: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < (QUICK ? 200 : 2000); i++) {
      const requestId = `${kind}-${i}`;
      const info = kind === 'read' ? { requestId, sqlText: 'select 1', statements: [{ class: 'SELECT', reads: [], writes: [] }], decision: 'allow' as const, effectFree: true } : { ...query(i), requestId };
      const t = process.hrtime.bigint();
      await s.queryStarted(info);
      forward.push(Number(process.hrtime.bigint() - t) / 1e6);
      await s.result({ requestId, queryId: `q-${i}`, part: 'inline', format: 'json', compression: 'none' }, answer);
      whole.push(Number(process.hrtime.bigint() - t) / 1e6);
      await s.queryEnded({ requestId, queryId: `q-${i}`, status: 'success', rows: 1 });
    }
    forward.sort((a, b) => a - b);
    whole.sort((a, b) => a - b);
    results[`statement_ms_required_${kind}${carried ? '_carried' : ''}`] = { 'before forwarding p50': +pct(forward, 50).toFixed(3), 'in all p50': +pct(whole, 50).toFixed(3), 'in all p99': +pct(whole, 99).toFixed(3) };
  }
  await rec.close();
}

// 3. Payload bytes per second to S3: 8 sessions stream 32 MiB of chunk bytes each; time until the store has all of it.
async function payloadMiBps(server: S3ServerHandle): Promise<number> {
  const rec = await recorder({ flush: { intervalSeconds: 1, maxBytes: 8 * 1024 * 1024 } }, server);
  const piece = Buffer.alloc(64 * 1024);
  for (let i = 0; i < piece.length; i++) piece[i] = (i * 7919) % 251;
  const perSession = (QUICK ? 2 : 32) * 1024 * 1024;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      const s = await rec.startSession(start);
      await s.queryStarted(query(0));
      const w = s.openResult({ requestId: 'r-0', part: 'chunk:0', format: 'json', compression: 'none' });
      for (let sent = 0; sent < perSession; sent += piece.length) await w.write(piece);
      await w.end();
      await s.end('client_logout');
    }),
  );
  await rec.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return +((8 * perSession) / 1024 / 1024 / seconds).toFixed(1);
}
results.payload_mib_per_second_to_s3 = await payloadMiBps(s3);
if (await isRadosgwInstalled()) {
  const rgw = await startRadosgw();
  try {
    await rgw.createBucket('bench');
    results.payload_mib_per_second_to_radosgw = await payloadMiBps(rgw);
  } finally {
    await rgw.close();
  }
} else results.payload_mib_per_second_to_radosgw = 'radosgw not installed (scripts/bootstrap.sh --with-object-lock)';

// 4. Lag from a statement to the signed digest covering it in S3, with the default flush interval (5 s) and 1 s.
for (const interval of [5, 1]) {
  const cfg = config({ flush: { intervalSeconds: interval, maxBytes: 8 * 1024 * 1024 } });
  const rec = await createRecorder({ config: cfg, registry: new Registry(), logger, s3Client: s3.client() });
  const store = createS3Store({ client: s3.client(), bucket: 'bench', prefix: `${cfg.store.type === 's3' ? cfg.store.prefix : ''}/` });
  const s = await rec.startSession(start);
  const appended = new Map<number, number>();
  const lags: number[] = [];
  let seq = 0;
  let running = true;
  const writer = (async () => {
    for (let i = 0; running; i++) {
      await s.queryStarted(query(i));
      seq++;
      appended.set(seq, Date.now());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let digestNo = 0;
  const until = Date.now() + (QUICK ? 7_000 : 20_000);
  while (Date.now() < until) {
    const body = await store.get(digestKey(store.prefix, s.sessionId, digestNo + 1));
    // s3rver may answer a GET racing the PUT with an empty body: only a complete JWS counts.
    const part = body?.toString().split('.')[1];
    if (part) {
      digestNo++;
      const payload = JSON.parse(Buffer.from(part, 'base64url').toString()) as { chainHead: { seq: number } };
      const now = Date.now();
      for (const [q, t] of appended) if (q <= payload.chainHead.seq) {
        lags.push(now - t);
        appended.delete(q);
      }
    } else await new Promise((r) => setTimeout(r, 25));
  }
  running = false;
  await writer;
  await rec.close();
  lags.sort((a, b) => a - b);
  results[`lag_ms_flush_${interval}s`] = { statements: lags.length, p50: pct(lags, 50), p99: pct(lags, 99), max: lags[lags.length - 1] };
}

await s3.close();
await rm(base, { recursive: true, force: true });
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
