/**
 * Makes a golden recording under packages/audit/testdata/v<N>/ with the project's own recorder
 * (segments, index parts, signed digests, JWKS, and in format v2 the result blobs), then its
 * tampered variants. Run once, by hand, when the golden recording must change (the committed files
 * are the test data; the outputs checked against them are refreshed with UPDATE_GOLDEN=1). The v1
 * recording is the 0.1.0 format: it is kept as committed, never made again.
 *
 *   node --import tsx packages/audit/test/make-golden-recording.ts 2
 */
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Field, Int64, Int32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDirStore, createRecorder, sessionPrefix, type SessionRecording } from '@snowtrail/recording';

const VERSION = process.argv[2] === '1' ? 1 : 2;
const OUT = join(import.meta.dirname, '..', 'testdata', `v${VERSION}`);

async function waitForDigests(store: ReturnType<typeof createDirStore>, sessionId: string, more: number): Promise<void> {
  const count = async (): Promise<number> => (await store.list(`${sessionPrefix('', sessionId)}digests/`)).length;
  for (let i = 0; i < 400 && (await count()) < more; i++) await new Promise((r) => setTimeout(r, 25));
}

function arrowChunk(ids: bigint[], names: string[], epochs: bigint[]): Uint8Array {
  const ts = new Struct([new Field('epoch', new Int64()), new Field('fraction', new Int32())]);
  const fields = [
    new Field('ID', new Int64(), true, new Map([['logicalType', 'FIXED'], ['scale', '0'], ['precision', '38']])),
    new Field('NAME', new Utf8(), true, new Map([['logicalType', 'TEXT']])),
    new Field('LOADED_AT', ts, true, new Map([['logicalType', 'TIMESTAMP_NTZ'], ['scale', '9']])),
  ];
  const children = [vectorFromArray(ids, new Int64()), vectorFromArray(names, new Utf8()), vectorFromArray(epochs.map((epoch) => ({ epoch, fraction: 0 })), ts)];
  const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: ids.length, children: children.map((c) => c.data[0]!) }));
  return tableToIPC(new Table([batch]), 'stream');
}

async function statements(s: SessionRecording): Promise<void> {
  await s.queryStarted({ requestId: 'q-json', sqlText: 'select id, email, created_at from crm.public.customers', statements: [{ class: 'SELECT', reads: ['CRM.PUBLIC.CUSTOMERS'], writes: [] }], decision: 'allow' });
  const answer = {
    data: {
      queryId: '01c0ffee-0000-0000-0000-000000000001',
      rowtype: [{ name: 'ID', type: 'fixed', scale: 0, precision: 38 }, { name: 'EMAIL', type: 'text' }, { name: 'CREATED_AT', type: 'timestamp_ntz', scale: 9 }],
      rowset: [['1', 'ann@example.com', '1793491201.000000000'], ['2', '=HYPERLINK("http://x")', '1793491202.500000000']],
      chunks: [{ url: 'chunk-0', rowCount: 1 }],
      returned: 2,
      total: 3,
      queryResultFormat: 'json',
    },
    success: true,
  };
  await s.result({ requestId: 'q-json', queryId: '01c0ffee-0000-0000-0000-000000000001', part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify(answer)));
  await s.queryEnded({ requestId: 'q-json', queryId: '01c0ffee-0000-0000-0000-000000000001', status: 'success', rows: 3 });
  const jsonChunk = s.openResult({ requestId: 'q-json', queryId: '01c0ffee-0000-0000-0000-000000000001', part: 'chunk:0', format: 'json', compression: 'gzip' });
  await jsonChunk.write(gzipSync(Buffer.from('["3", "cy@example.com", "1793491203.000000000"]')));
  await jsonChunk.end();

  await s.queryStarted({ requestId: 'q-arrow', sqlText: 'select id, name, loaded_at from raw.public.events', statements: [{ class: 'SELECT', reads: ['RAW.PUBLIC.EVENTS'], writes: [] }], decision: 'allow' });
  const arrowAnswer = { data: { queryId: '01c0ffee-0000-0000-0000-000000000002', rowtype: [{ name: 'ID', type: 'fixed' }, { name: 'NAME', type: 'text' }, { name: 'LOADED_AT', type: 'timestamp_ntz', scale: 9 }], rowsetBase64: Buffer.from(arrowChunk([10n], ['first'], [1793491201n])).toString('base64'), chunks: [{ url: 'chunk-0', rowCount: 2 }], queryResultFormat: 'arrow' }, success: true };
  await s.result({ requestId: 'q-arrow', queryId: '01c0ffee-0000-0000-0000-000000000002', part: 'inline', format: 'arrow', compression: 'none' }, Buffer.from(JSON.stringify(arrowAnswer)));
  await s.queryEnded({ requestId: 'q-arrow', queryId: '01c0ffee-0000-0000-0000-000000000002', status: 'success', rows: 3 });
  const arrow = s.openResult({ requestId: 'q-arrow', queryId: '01c0ffee-0000-0000-0000-000000000002', part: 'chunk:0', format: 'arrow', compression: 'gzip' });
  await arrow.write(gzipSync(arrowChunk([11n, 12n], ['second', 'third'], [1793491202n, 1793491203n])));
  await arrow.end();
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'snowtrail-golden-'));
  const keyFile = join(work, 'key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pristine = join(OUT, 'pristine', 'store');
  await rm(OUT, { recursive: true, force: true });
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(work, 'spool'), spoolMaxBytes: 64 << 20, store: { type: 'dir', path: pristine }, flush: { intervalSeconds: 0.1, maxBytes: 1024 }, signing: { keyFile }, redact: ['email'] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    formatVersion: VERSION,
  });
  const store = createDirStore(pristine);
  const s = await recorder.startSession({
    identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'etl-7d9f', podUid: 'uid-etl-7d9f', serviceAccount: 'etl', nodeName: 'node-1' },
    policy: { name: 'etl-policy', generation: 3 },
    snowflake: { account: 'SNOWTRAIL', user: 'ETL_BOT', role: 'ETL', warehouse: 'WH' },
    client: { app: 'PythonConnector', version: '4.7.0', address: '10.0.0.7' },
  });
  await statements(s);
  await waitForDigests(store, s.sessionId, 1);
  await s.queryDenied({ requestId: 'q-deny', sqlText: 'drop table analytics.public.daily_revenue', statements: [{ class: 'DROP', reads: [], writes: ['ANALYTICS.PUBLIC.DAILY_REVENUE'] }], decision: 'deny', rule: 'deny-ddl-outside-staging', reason: 'statement_denied' });
  await s.queryEnded({ requestId: 'q-deny', status: 'denied', errorCode: '399401' });
  await waitForDigests(store, s.sessionId, 2);
  await s.queryStarted({ requestId: 'q-ins', sqlText: 'insert into analytics.public.daily_revenue select * from raw.public.events', statements: [{ class: 'INSERT', reads: ['RAW.PUBLIC.EVENTS'], writes: ['ANALYTICS.PUBLIC.DAILY_REVENUE'] }], decision: 'allow' });
  await s.queryEnded({ requestId: 'q-ins', queryId: '01c0ffee-0000-0000-0000-000000000003', status: 'success', rows: 3 });
  await s.note('token.renewed', { at: 'renewal' });
  await s.end('client_logout');
  await recorder.close();
  await rm(work, { recursive: true, force: true });

  const sdir = (root: string): string => join(root, ...sessionPrefix('', s.sessionId).split('/').filter(Boolean));
  const segments = (await readdir(join(sdir(pristine), 'segments'))).sort();
  if (segments.length < 3) throw new Error(`expected at least 3 segments, got ${segments.length}`);
  const variant = async (name: string, mutate: (dir: string) => Promise<void>): Promise<void> => {
    const root = join(OUT, name, 'store');
    await cp(pristine, root, { recursive: true });
    await mutate(sdir(root));
  };
  const seg2 = (dir: string): string => join(dir, 'segments', segments[1]!);
  await variant('segment-removed', async (dir) => unlink(seg2(dir)));
  await variant('index-removed', async (dir) => rm(join(dir, 'index'), { recursive: true }));
  await variant('segment-flipped', async (dir) => {
    const b = await readFile(seg2(dir));
    b[Math.floor(b.length / 2)]! ^= 0xff;
    await writeFile(seg2(dir), b);
  });
  await variant('event-invalid', async (dir) => {
    const lines = gunzipSync(await readFile(seg2(dir))).toString('utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"query.denied"') || l.includes('"type":"query.end"'));
    const e = JSON.parse(lines[at]!) as { data: Record<string, unknown> };
    e.data.requestId = 42;
    lines[at] = JSON.stringify(e);
    await writeFile(seg2(dir), gzipSync(lines.join('\n')));
  });
  if (VERSION === 2) {
    const blobs = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'blobs'))).sort();
    await variant('blob-removed', async (dir) => unlink(join(dir, 'blobs', (await blobs(dir))[0]!)));
    await variant('blob-flipped', async (dir) => {
      const path = join(dir, 'blobs', (await blobs(dir))[1]!);
      const b = await readFile(path);
      b[Math.floor(b.length / 2)]! ^= 0xff;
      await writeFile(path, b);
    });
  }
  process.stdout.write(`golden recording ${s.sessionId}: ${segments.length} segments, variants written under ${OUT}\n`);
}

await main();
