/**
 * The auditor's tools on one large session: records a session holding BENCH_AUDIT_MIB MiB of chunk
 * results (default 256; gzip JSON chunks of 4 MiB each as Snowflake sends them) with the real
 * recorder into a directory store, then runs `snowtrail sessions verify`, `show --results`, `replay
 * --speed 0 --results` and `export -o json|csv|html --out …` as child processes and reports each
 * one's wall time and peak RSS (GNU time). Run: node --import tsx benchmarks/audit.ts
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRecorder, listSessionIds, createDirStore } from '@snowtrail/recording';

const MIB = Number(process.env.BENCH_AUDIT_MIB ?? 256);
const CHUNK_MIB = 4;
const main = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.ts');
const base = await mkdtemp(join(tmpdir(), 'bench-audit-'));
const store = join(base, 'store');
const keyFile = join(base, 'key.pem');
await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));

/** Rows of one chunk: JSON rows without brackets, about `bytes` long before gzip, not too compressible. */
function chunkRows(chunk: number, bytes: number): Buffer {
  const rows: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const row = JSON.stringify([String(chunk * 1_000_000 + i), `label-${(i * 2654435761) % 1000003}-${chunk}`, `${1793491201 + i}.000000000`, (i * 7919) % 104729 / 100]);
    rows.push(row);
    size += row.length + 2;
  }
  return Buffer.from(rows.join(', '));
}

const t0 = Date.now();
const recorder = await createRecorder({
  config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 8 * 1024 * 1024 * 1024, store: { type: 'dir', path: store }, flush: { intervalSeconds: 2, maxBytes: 16 * 1024 * 1024 }, signing: { keyFile }, redact: [] },
  registry: new Registry(),
  logger: pino({ level: 'silent' }),
});
const s = await recorder.startSession({ identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'bench', serviceAccount: 'etl' }, policy: { name: 'p', generation: 1 }, snowflake: { account: 'SNOWTRAIL', user: 'ETL' }, client: { app: 'JDBC' } });
await s.queryStarted({ requestId: 'big', sqlText: 'select id, label, at, amount from raw.public.events', statements: [{ class: 'SELECT', reads: ['RAW.PUBLIC.EVENTS'], writes: [] }], decision: 'allow' });
const chunks = Math.ceil(MIB / CHUNK_MIB);
const answer = { data: { rowtype: [{ name: 'ID', type: 'fixed' }, { name: 'LABEL', type: 'text' }, { name: 'AT', type: 'timestamp_ntz', scale: 9 }, { name: 'AMOUNT', type: 'real' }], rowset: [['0', 'first', '1793491201.000000000', '1.5']], chunks: Array.from({ length: chunks }, (_v, i) => ({ url: `c${i}` })) } };
await s.result({ requestId: 'big', part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify(answer)));
await s.queryEnded({ requestId: 'big', queryId: '01c0ffee-0000-0000-0000-00000000beef', status: 'success' });
let payload = 0;
for (let c = 0; c < chunks; c++) {
  const gz = gzipSync(chunkRows(c, CHUNK_MIB * 1024 * 1024), { level: 1 });
  const w = s.openResult({ requestId: 'big', part: `chunk:${c}`, format: 'json', compression: 'gzip' });
  for (let off = 0; off < gz.length; off += 1 << 20) await w.write(gz.subarray(off, off + (1 << 20)));
  await w.end();
  payload += gz.length;
}
await s.end('client_logout');
await recorder.close();
const [id] = await listSessionIds(createDirStore(store));
const recordSeconds = (Date.now() - t0) / 1000;

function timed(args: string[]): Promise<{ seconds: number; rssMiB: number; code: number }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/time', ['-f', 'BENCH %e %M', process.execPath, '--import', 'tsx', main, 'sessions', ...args, '--store', `dir:${store}`], { maxBuffer: 1 << 30, env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (err, _stdout, stderr) => {
      const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
      resolve({ seconds: Number(m?.[1] ?? NaN), rssMiB: Math.round(Number(m?.[2] ?? NaN) / 1024), code: err ? Number((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

const runs: [string, string[]][] = process.env.BENCH_AUDIT_RECORD_ONLY === '1' ? [] : [
  ['verify', ['verify', id!]],
  ['show --results', ['show', id!, '--results']],
  ['replay --speed 0 --results', ['replay', id!, '--speed', '0', '--results', '--max-rows', '2']],
  ['export -o json', ['export', id!, '-o', 'json', '--out', join(base, 'x.json')]],
  ['export -o csv', ['export', id!, '-o', 'csv', '--out', join(base, 'x.csv')]],
  ['export -o html', ['export', id!, '-o', 'html', '--out', join(base, 'x.html')]],
];
const lines = [`session of ${(payload / 1024 / 1024).toFixed(0)} MiB of gzip chunk bytes (${MIB} MiB of rows before gzip, ${chunks} chunks), recorded in ${recordSeconds.toFixed(1)} s`, '', '| command | exit | wall s | peak RSS MiB |', '| --- | --- | --- | --- |'];
for (const [name, args] of runs) {
  const r = await timed(args);
  lines.push(`| \`sessions ${name}\` | ${r.code} | ${r.seconds.toFixed(1)} | ${r.rssMiB} |`);
}
if (runs.length > 0) lines.push('', `JSON export: ${((await stat(join(base, 'x.json'))).size / 1024 / 1024).toFixed(0)} MiB`);
process.stdout.write(lines.join('\n') + '\n');
if (process.env.BENCH_AUDIT_KEEP === '1') process.stdout.write(`store kept: dir:${store} (session ${id})\n`);
else await rm(base, { recursive: true, force: true });
