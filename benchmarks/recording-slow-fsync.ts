/**
 * Recording on a slow disk: statements/s at 4 connections with every journal fdatasync slowed to
 * 100 ms through the fault-injecting file layer, with one fdatasync in flight at a time (the
 * previous group commit: a batch is written only after the previous one is durable) and with the
 * pipelined group commit (up to two in flight). Each statement is what the sidecar waits for: its
 * `query` event (before forwarding), then its inline result (before releasing the answer); its
 * `query.end` is written without waiting. Between the two, the statement "runs in Snowflake" for
 * 10–40 ms (uniform), as it would through the sidecar, so connections do not move in lockstep and
 * appends arrive while an fdatasync is running. The real writer, the spool on the local disk, a directory
 * store. Run: node --import tsx benchmarks/recording-slow-fsync.ts
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createFaultFs, createRecorder, nodeSpoolFs } from '@snowtrail/recording';

const CONNECTIONS = 4;
const FSYNC_MS = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

const base = await mkdtemp(join(tmpdir(), 'bench-slow-fsync-'));
const keyFile = join(base, 'key.pem');
await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
const identity = { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'bench', podUid: 'uid', serviceAccount: 'etl' };
const start = { identity, policy: { name: 'p', generation: 1 }, snowflake: { account: 'SNOWTRAIL', user: 'ETL' }, client: { app: 'JavaScript' } };
const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'number of rows inserted' }], rowset: [['1']] }, success: true }));

async function measure(label: string, syncsInFlight: number): Promise<{ label: string; statementsPerSecond: number; p50Ms: number; p99Ms: number }> {
  const fs = createFaultFs(nodeSpoolFs, [{ op: 'fsync', path: '/journal/[^/]+\\.jsonl$', delayMs: FSYNC_MS }]);
  const recorder = await createRecorder({
    config: {
      mode: 'required',
      spoolDir: join(base, `spool-${label}`),
      spoolMaxBytes: 1024 * 1024 * 1024,
      store: { type: 'dir', path: join(base, `store-${label}`) },
      flush: { intervalSeconds: 5, maxBytes: 8 * 1024 * 1024 },
      signing: { keyFile },
      redact: [],
    },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    fs,
    syncsInFlight,
  });
  const latencies: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const s = await recorder.startSession(start);
      for (let i = 0; Date.now() < until; i++) {
        const requestId = `c${c}-${i}`;
        const t0 = performance.now();
        await s.queryStarted({ requestId, sqlText: `insert into t values (${i})`, statements: [{ class: 'DML_INSERT', reads: [], writes: ['T'] }], decision: 'allow' });
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 30));
        await s.result({ requestId, queryId: `q-${requestId}`, part: 'inline', format: 'json', compression: 'none' }, answer);
        latencies.push(performance.now() - t0);
        void s.queryEnded({ requestId, queryId: `q-${requestId}`, status: 'success', rows: 1 }).catch(() => undefined);
      }
      await s.end('client_logout');
    }),
  );
  await recorder.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 10) / 10;
  return { label, statementsPerSecond: Math.round((latencies.length / SECONDS) * 10) / 10, p50Ms: at(0.5), p99Ms: at(0.99) };
}

const results = [await measure('one fdatasync in flight (before)', 1), await measure('pipelined, two in flight (after)', 2)];
console.log(JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 10) / 10), node: process.version, connections: CONNECTIONS, fsyncMs: FSYNC_MS, seconds: SECONDS, results }, null, 2));
await rm(base, { recursive: true, force: true });
