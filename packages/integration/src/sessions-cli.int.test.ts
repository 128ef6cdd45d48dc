import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

// Each test runs the CLI several times as a child process; CI runs suites in parallel on 2 cores.
jest.setTimeout(240_000);
import { execFile } from 'node:child_process';
import { readFile, rm, unlink } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRecorder, sessionPrefix } from '@snowtrail/recording';

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let base: string;
let store: string;
const expectedWriters: { sessionId: string; requestId: string; pod: string }[] = [];
let firstSession = '';

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowtrail-cli-sessions-'));
  store = join(base, 'store');
  const keyFile = join(base, 'key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 64 << 20, store: { type: 'dir', path: store }, flush: { intervalSeconds: 0.2, maxBytes: 1 << 20 }, signing: { keyFile }, redact: ['email'] },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  const pods = ['etl-a', 'etl-b', 'report-c', 'report-d'];
  for (let i = 0; i < 12; i++) {
    const pod = pods[i % pods.length]!;
    const ns = pod.startsWith('etl') ? 'pipelines' : 'reports';
    const s = await recorder.startSession({
      identity: { subject: `system:serviceaccount:${ns}:${pod.slice(0, -2)}`, namespace: ns, podName: pod, podUid: `uid-${pod}`, serviceAccount: pod.slice(0, -2) },
      policy: { name: 'p', generation: 1 },
      snowflake: { account: 'SNOWTRAIL', user: 'BOT' },
      client: { app: 'JavaScript', version: '3.3.0', address: '127.0.0.1' },
    });
    if (i === 0) firstSession = s.sessionId;
    for (let j = 0; j < 3; j++) {
      const requestId = `s${i}-q${j}`;
      const writesTarget = (i + j) % 5 === 0;
      const sql = writesTarget ? `insert into analytics.public.daily_revenue select * from raw.public.orders -- ${requestId}` : `insert into analytics.public.other_${j} select 1`;
      await s.queryStarted({ requestId, sqlText: sql, statements: [{ class: 'INSERT', reads: writesTarget ? ['RAW.PUBLIC.ORDERS'] : [], writes: [writesTarget ? 'ANALYTICS.PUBLIC.DAILY_REVENUE' : `ANALYTICS.PUBLIC.OTHER_${j}`] }], decision: 'allow' });
      await s.queryEnded({ requestId, queryId: `01c0ffee-0000-0000-0000-00000000${String(i * 10 + j).padStart(4, '0')}`, status: 'success', rows: 10 + j });
      if (writesTarget) expectedWriters.push({ sessionId: s.sessionId, requestId, pod });
    }
    await s.queryStarted({ requestId: `s${i}-sel`, sqlText: 'select id, email from crm.public.customers', statements: [{ class: 'SELECT', reads: ['CRM.PUBLIC.CUSTOMERS'], writes: [] }], decision: 'allow' });
    await s.result({ requestId: `s${i}-sel`, part: 'inline', format: 'json', compression: 'none' }, Buffer.from(JSON.stringify({ data: { rowtype: [{ name: 'ID' }, { name: 'EMAIL' }], rowset: [['1', 'ann@example.com'], ['2', 'bob@example.com']], returned: 2 }, success: true })));
    await s.queryEnded({ requestId: `s${i}-sel`, status: 'success', rows: 2 });
    await s.end('client_logout');
  }
  await recorder.close();
}, 120_000);

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('snowtrail sessions', () => {
  it('list filters by namespace and pod and prints JSON', async () => {
    const r = await cli(['sessions', 'list', '--store', `dir:${store}`, '--namespace', 'reports', '-o', 'json']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as { sessionId: string; podName: string; namespace: string; statementCount: number }[];
    expect(items).toHaveLength(6);
    expect(new Set(items.map((i) => i.podName))).toEqual(new Set(['report-c', 'report-d']));
    const table = await cli(['sessions', 'list', '--store', `dir:${store}`, '--pod', 'etl-a']);
    expect(table.stdout.split('\n').filter((l) => l.includes('etl-a'))).toHaveLength(3);
    expect(table.stdout).toContain('SERVICE ACCOUNT');
  });

  it('trace finds exactly the statements that wrote a table, across sessions and pods, newest first', async () => {
    const r = await cli(['sessions', 'trace', 'analytics.public.daily_revenue', '--writes', '--store', `dir:${store}`, '-o', 'json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout) as { sessionId: string; statement: { requestId: string; time: string; sqlText: string; rows: number }; identity: { podName: string } }[];
    expect(hits.map((h) => `${h.sessionId}/${h.statement.requestId}`).sort()).toEqual(expectedWriters.map((w) => `${w.sessionId}/${w.requestId}`).sort());
    expect(new Set(hits.map((h) => h.identity.podName)).size).toBeGreaterThan(1);
    const times = hits.map((h) => h.statement.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(hits[0]!.statement.sqlText).toContain('insert into analytics.public.daily_revenue');
    const reads = await cli(['sessions', 'trace', 'RAW.PUBLIC.ORDERS', '--reads', '--store', `dir:${store}`, '-o', 'json']);
    expect((JSON.parse(reads.stdout) as unknown[]).length).toBe(expectedWriters.length);
    const table = await cli(['sessions', 'trace', 'analytics.public.daily_revenue', '--store', `dir:${store}`]);
    expect(table.stdout).toContain('insert into analytics.public.daily_revenue');
  });

  it('show prints the timeline and the recorded rows with redacted columns masked', async () => {
    const r = await cli(['sessions', 'show', firstSession, '--results', '--store', `dir:${store}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pipelines/etl-a');
    expect(r.stdout).toContain('select id, email from crm.public.customers');
    expect(r.stdout).toContain('redacted columns: EMAIL');
    expect(r.stdout).toContain('[REDACTED]');
    expect(r.stdout).not.toContain('ann@example.com');
  });

  it('verify exits 0 when intact and 1 with a precise report when a segment is removed; --all covers every session', async () => {
    const ok = await cli(['sessions', 'verify', firstSession, '--store', `dir:${store}`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK /);
    const all = await cli(['sessions', 'verify', '--all', '--store', `dir:${store}`]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('12 session(s) verified, 0 failed');
    // Any session but the first: later tests read the first one intact.
    const victim = (JSON.parse((await cli(['sessions', 'list', '--store', `dir:${store}`, '-o', 'json'])).stdout) as { sessionId: string }[]).map((x) => x.sessionId).find((id) => id !== firstSession)!;
    await unlink(join(store, ...sessionPrefix('', victim).split('/').filter(Boolean), 'segments', '000001.jsonl.gz'));
    const bad = await cli(['sessions', 'verify', victim, '--store', `dir:${store}`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`FAILED ${victim}`);
    expect(bad.stdout).toMatch(/\[segment_missing\] segment 000001: listed in digest \d{6} but missing from the store \(segment removed\)/);
    const allBad = await cli(['sessions', 'verify', '--all', '--store', `dir:${store}`]);
    expect(allBad.code).toBe(1);
    expect(allBad.stdout).toContain('12 session(s) verified, 1 failed');
    // The other views degrade: everything readable is shown, the damaged range is marked.
    const shown = await cli(['sessions', 'show', victim, '--results', '--store', `dir:${store}`]);
    expect(shown.code).toBe(0);
    // The session may have been flushed as one segment or several (timing): the range ends where segment 2 starts.
    expect(shown.stdout).toMatch(/!! DAMAGED: events (from seq 0 on|seq 0(–\d+)?) cannot be shown — segment 000001 missing from the store/);
    const exported = await cli(['sessions', 'export', victim, '-o', 'json', '--store', `dir:${store}`]);
    expect(exported.code).toBe(0);
    const doc = JSON.parse(exported.stdout) as { verification: { ok: boolean }; damaged: { segments: number[] }[] };
    expect(doc.verification.ok).toBe(false);
    expect(doc.damaged.map((d) => d.segments)).toEqual([[1]]);
    const replayed = await cli(['sessions', 'replay', victim, '--speed', '0', '-o', 'yaml', '--store', `dir:${store}`]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('- damaged:');
  });

  it('verify --jwks trusts only the given keys', async () => {
    const published = join(store, 'v1', 'keys', 'jwks.json');
    const trusted = await cli(['sessions', 'verify', firstSession, '--jwks', published, '--store', `dir:${store}`]);
    expect(trusted.code).toBe(0);
    const other = join(base, 'other-jwks.json');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(other, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'someone-else', alg: 'ES256' }] }));
    const untrusted = await cli(['sessions', 'verify', firstSession, '--jwks', other, '--store', `dir:${store}`]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/\[digest_unknown_key\] digest 000001: signed with unknown key kid=\S+/);
    const bad = await cli(['sessions', 'verify', firstSession, '--jwks', join(base, 'missing.json'), '--store', `dir:${store}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot read JWKS file');
  });

  it('export writes an HTML evidence report with the verification verdict, and CSV of statements', async () => {
    const file = join(base, 'report.html');
    const r = await cli(['sessions', 'export', firstSession, '-o', 'html', '--out', file, '--store', `dir:${store}`]);
    expect(r.code).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).toContain('INTACT');
    expect(html).toContain('etl-a');
    const csv = await cli(['sessions', 'export', firstSession, '-o', 'csv', '--store', `dir:${store}`]);
    expect(csv.stdout.split('\r\n')[0]).toBe('session_id,seq,time,end_time,namespace,pod,service_account,decision,rule,reason,status,error_code,rows,query_id,classes,reads,writes,sql');
    expect(csv.stdout.split('\r\n').filter((l) => l.startsWith(firstSession))).toHaveLength(4);
  });

  it('replay prints the timeline', async () => {
    const r = await cli(['sessions', 'replay', firstSession, '--speed', '0', '--store', `dir:${store}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('session.start');
    expect(r.stdout).toContain('session.end');
  });

  it('clear errors and exit codes for a missing session and a wrong store', async () => {
    const missing = await cli(['sessions', 'show', '20200101T000000Z-000000000000', '--store', `dir:${store}`]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('session 20200101T000000Z-000000000000 not found');
    const wrong = await cli(['sessions', 'list', '--store', `dir:${join(base, 'nope')}`]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('no such directory');
    const notation = await cli(['sessions', 'list', '--store', 'ftp://x']);
    expect(notation.code).toBe(2);
    expect(notation.stderr).toContain('expected s3://bucket/prefix or dir:/path');
  });
});
