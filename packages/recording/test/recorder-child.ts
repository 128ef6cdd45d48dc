/**
 * A separate process driving the Recorder API for the crash test: it records queries forever and
 * prints `ACK <requestId>` once each query event and its answer are durable, until it is killed.
 */
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { createRecorder } from '../src/recorder.js';
import { buildS3Client } from '../src/s3-store.js';

const config = JSON.parse(process.env.RECORDING_CONFIG!) as Parameters<typeof createRecorder>[0]['config'];
const creds = process.env.S3_CREDENTIALS ? (JSON.parse(process.env.S3_CREDENTIALS) as { accessKeyId: string; secretAccessKey: string }) : undefined;
const s3Client =
  config.store.type === 's3' && creds
    ? buildS3Client({ ...(config.store.endpoint ? { endpoint: config.store.endpoint } : {}), region: config.store.region, forcePathStyle: true, credentials: creds })
    : undefined;
const recorder = await createRecorder({ config, registry: new Registry(), logger: pino({ level: 'silent' }), ...(s3Client ? { s3Client } : {}) });
const session = await recorder.startSession({
  identity: { subject: 'system:serviceaccount:pipelines:etl', namespace: 'pipelines', podName: 'crashy', podUid: 'uid-crashy', serviceAccount: 'etl' },
  policy: { name: 'p', generation: 1 },
  snowflake: { account: 'SNOWTRAIL', user: 'ETL' },
  client: { app: 'JavaScript' },
});
process.stdout.write(`SESSION ${session.sessionId}\n`);
for (let i = 0; ; i++) {
  const requestId = `req-${i}`;
  await session.queryStarted({ requestId, sqlText: `insert into db.s.t values (${i})`, statements: [{ class: 'DML_INSERT', reads: [], writes: ['DB.S.T'] }], decision: 'allow' });
  // A small answer: in format v2 its bytes travel in the journal with its `result` event.
  const answer = Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'number of rows inserted', type: 'fixed' }], rowset: [[String(i)]], returned: 1 }, success: true }));
  await session.result({ requestId, queryId: `q-${i}`, part: 'inline', format: 'json', compression: 'none' }, answer);
  process.stdout.write(`ACK ${requestId}\n`);
  await session.queryEnded({ requestId, status: 'success', rows: 1 });
}
