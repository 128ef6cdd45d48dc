/**
 * A session holding a large result, written by the project's own recorder (format v2) into a
 * directory store: one statement whose inline answer is followed by gzip JSON chunks of about
 * `chunkMiB` MiB of rows each, as Snowflake sends them. Shared by the bounded-memory test and
 * the auditor benchmark (benchmarks/audit.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDirStore, createRecorder, listSessionIds } from '@snowtrail/recording';

/**
 * Rows of one chunk: JSON rows without brackets, about `bytes` long before gzip. `noisy` labels are
 * random hex, so gzip keeps roughly half of the bytes (a payload size close to the rows' size).
 */
export function chunkRows(chunk: number, bytes: number, noisy = false): { text: Buffer; rows: number } {
  const rows: string[] = [];
  let size = 0;
  const noise = noisy ? randomBytes(Math.ceil(bytes / 3)).toString('hex') : '';
  for (let i = 0; size < bytes; i++) {
    const label = noisy ? noise.slice((i * 24) % (noise.length - 24), ((i * 24) % (noise.length - 24)) + 24) : `label-${(i * 2654435761) % 1000003}-${chunk}`;
    const row = JSON.stringify([String(chunk * 1_000_000 + i), label, `${1793491201 + i}.000000000`, String(((i * 7919) % 104729) / 100)]);
    rows.push(row);
    size += row.length + 2;
  }
  return { text: Buffer.from(rows.join(', ')), rows: rows.length };
}

/** What was recorded. */
export interface LargeSession {
  store: string;
  sessionId: string;
  /** Rows of the statement (inline answer and chunks). */
  rows: number;
  /** Stored payload bytes (gzip chunks). */
  payloadBytes: number;
  chunks: number;
}

/** Options of recordLargeSession. */
export interface LargeSessionOptions {
  /** MiB of rows of each chunk before gzip (default 4). */
  chunkMiB?: number;
  /** Size the session by its stored (gzip) payload instead of its rows: record chunks until this many MiB are stored. */
  payloadMiB?: number;
  /** Random labels (see chunkRows). */
  noisy?: boolean;
}

/** Records one session with `rowMiB` MiB of rows (before gzip) in chunks of `chunkMiB` MiB under `base`. */
export async function recordLargeSession(base: string, rowMiB: number, options: LargeSessionOptions = {}): Promise<LargeSession> {
  const chunkMiB = options.chunkMiB ?? 4;
  const store = join(base, 'store');
  const keyFile = join(base, 'key.pem');
  await mkdir(base, { recursive: true });
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 8 * 1024 * 1024 * 1024, store: { type: 'dir', path: store }, flush: { intervalSeconds: 2, maxBytes: 16 * 1024 * 1024 }, signing: { keyFile }, redact: [] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  const s = await recorder.startSession({ identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'bench', serviceAccount: 'etl' }, policy: { name: 'p', generation: 1 }, snowflake: { account: 'SNOWTRAIL', user: 'ETL' }, client: { app: 'JDBC' } });
  await s.queryStarted({ requestId: 'big', sqlText: 'select id, label, at, amount from raw.public.events', statements: [{ class: 'SELECT', reads: ['RAW.PUBLIC.EVENTS'], writes: [] }], decision: 'allow' });
  // Sized by payload, the chunk count is not known up front; the answer lists as many as rows would need.
  const chunks = Math.max(1, Math.ceil((options.payloadMiB ?? rowMiB) / chunkMiB) * (options.payloadMiB ? 4 : 1));
  const answer = { data: { rowtype: [{ name: 'ID', type: 'fixed' }, { name: 'LABEL', type: 'text' }, { name: 'AT', type: 'timestamp_ntz', scale: 9 }, { name: 'AMOUNT', type: 'real' }], rowset: [['0', 'first', '1793491201.000000000', '1.5']], chunks: Array.from({ length: chunks }, (_v, i) => ({ url: `c${i}` })) } };
  await s.result({ requestId: 'big', part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify(answer)));
  await s.queryEnded({ requestId: 'big', queryId: '01c0ffee-0000-0000-0000-00000000beef', status: 'success' });
  let payloadBytes = 0;
  let rows = 1;
  let written = 0;
  for (let c = 0; options.payloadMiB ? payloadBytes < options.payloadMiB * 1024 * 1024 : c < chunks; c++) {
    const plain = chunkRows(c, chunkMiB * 1024 * 1024, options.noisy);
    rows += plain.rows;
    const gz = gzipSync(plain.text, { level: 1 });
    const w = s.openResult({ requestId: 'big', part: `chunk:${c}`, format: 'json', compression: 'gzip' });
    for (let off = 0; off < gz.length; off += 1 << 20) await w.write(gz.subarray(off, off + (1 << 20)));
    await w.end();
    payloadBytes += gz.length;
    written++;
  }
  await s.end('client_logout');
  await recorder.close();
  const [sessionId] = await listSessionIds(createDirStore(store));
  if (!sessionId) throw new Error('the large session was not recorded');
  return { store, sessionId, rows, payloadBytes, chunks: written };
}
