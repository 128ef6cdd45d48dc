/** Test helpers: sessions written by the project's own recorder into a given store. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRecorder, sessionPrefix, type ObjectStore, type Recorder, type SessionRecording } from '@snowtrail/recording';

/** A fresh scratch folder. */
export function scratch(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `snowtrail-${name}-`));
}

/** One statement of a scripted session. */
export interface ScriptedStatement {
  sql: string;
  class: string;
  reads?: string[];
  writes?: string[];
  deny?: boolean;
  rows?: number;
}

/** One scripted session. */
export interface ScriptedSession {
  at: string;
  namespace: string;
  pod: string;
  serviceAccount: string;
  statements: ScriptedStatement[];
  /** Leave the session open (no session.end). */
  open?: boolean;
}

/** A recorder writing to `store`, with a settable clock. */
export async function recorderFor(store: ObjectStore, base: string, name: string): Promise<{ recorder: Recorder; setTime(iso: string): void }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(base, `${name}.pem`);
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  let clock = Date.now();
  const recorder = await createRecorder({
    config: {
      mode: 'required',
      spoolDir: join(base, `spool-${name}`),
      spoolMaxBytes: 64 * 1024 * 1024,
      flush: { intervalSeconds: 0.1, maxBytes: 256 * 1024 },
      redact: [],
      store: { type: 'dir', path: join(base, 'unused') },
      signing: { keyFile },
    },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    store,
    now: () => clock,
  });
  return { recorder, setTime: (iso) => (clock = Date.parse(iso)) };
}

/** Records one scripted session; returns its id and, for open sessions, its handle. */
export async function recordSession(r: { recorder: Recorder; setTime(iso: string): void }, s: ScriptedSession): Promise<{ sessionId: string; session: SessionRecording }> {
  r.setTime(s.at);
  const session = await r.recorder.startSession({
    identity: { subject: `system:serviceaccount:${s.namespace}:${s.serviceAccount}`, namespace: s.namespace, podName: s.pod, podUid: `uid-${s.pod}`, serviceAccount: s.serviceAccount, nodeName: 'node-1' },
    policy: { name: 'audit-policy', generation: 2 },
    snowflake: { account: 'SNOWTRAIL', user: 'BOT', role: 'ETL', warehouse: 'WH' },
    client: { app: 'JavaScript', version: '3.3.0', address: '10.0.0.7' },
  });
  let t = Date.parse(s.at);
  for (const [i, st] of s.statements.entries()) {
    r.setTime(new Date((t += 1000)).toISOString());
    const info = { requestId: `req-${i}`, sqlText: st.sql, statements: [{ class: st.class, reads: st.reads ?? [], writes: st.writes ?? [] }], decision: st.deny ? ('deny' as const) : ('allow' as const) };
    if (st.deny) {
      await session.queryDenied({ ...info, rule: 'no-ddl', reason: 'statement_denied' });
      continue;
    }
    await session.queryStarted(info);
    r.setTime(new Date((t += 500)).toISOString());
    await session.queryEnded({ requestId: `req-${i}`, queryId: `01b-${i}-${s.pod}`, status: 'success', rows: st.rows ?? 1 });
  }
  if (!s.open) {
    r.setTime(new Date(t + 1000).toISOString());
    await session.end('client_logout');
  }
  return { sessionId: session.sessionId, session };
}

/** Waits until a session has at least `parts` index parts in the store. */
export async function waitForIndexParts(store: ObjectStore, sessionId: string, parts: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await store.list(`${sessionPrefix(store.prefix, sessionId)}index/`)).length < parts) {
    if (Date.now() > deadline) throw new Error(`session ${sessionId} has fewer than ${parts} index parts`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small fleet over two days, three namespaces, with writes, reads, a denied write and quoted names. */
export const FLEET: ScriptedSession[] = [
  { at: '2026-11-30T08:00:00.000Z', namespace: 'pipelines', pod: 'etl-1', serviceAccount: 'etl', statements: [
    { sql: 'insert into sales.public.orders select * from raw.public.orders', class: 'DML_INSERT', reads: ['RAW.PUBLIC.ORDERS'], writes: ['SALES.PUBLIC.ORDERS'], rows: 42 },
    { sql: 'select count(*) from sales.public.orders', class: 'SELECT', reads: ['SALES.PUBLIC.ORDERS'] },
  ] },
  { at: '2026-11-30T09:30:00.000Z', namespace: 'pipelines', pod: 'etl-2', serviceAccount: 'etl', statements: [
    { sql: 'delete from sales.public.orders where id = 1', class: 'DML_DELETE', writes: ['sales.public.orders'], rows: 1 },
  ] },
  { at: '2026-11-30T10:00:00.000Z', namespace: 'analytics', pod: 'report-1', serviceAccount: 'reporter', statements: [
    { sql: 'drop table sales.public.orders', class: 'DDL_DROP', writes: ['SALES.PUBLIC.ORDERS'], deny: true },
    { sql: 'select * from sales.public.orders', class: 'SELECT', reads: ['SALES.PUBLIC.ORDERS'], rows: 7 },
  ] },
  { at: '2026-12-01T07:15:00.000Z', namespace: 'analytics', pod: 'report-2', serviceAccount: 'reporter', statements: [
    { sql: 'create table "Mixed".public.t as select 1', class: 'DDL_CREATE', writes: ['"Mixed".PUBLIC.T'] },
  ] },
  { at: '2026-12-01T12:00:00.000Z', namespace: 'ml', pod: 'train-1', serviceAccount: 'trainer', statements: [
    { sql: 'update sales.public.orders set x = 1', class: 'DML_UPDATE', writes: ['SALES.PUBLIC.ORDERS'], rows: 3 },
    { sql: 'select 1', class: 'SELECT' },
  ] },
];
