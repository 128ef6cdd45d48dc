import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

// Each test runs the CLI several times as a child process; CI runs suites in parallel on 2 cores.
jest.setTimeout(240_000);
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { validateSidecarConfig } from '@snowtrail/config';
import { createRecorder, createS3Store, readSession, sha256Hex, type RecordingEvent, type SessionRecord } from '@snowtrail/recording';
import { collectResultParts, loadPartBlob, partOrder, rowsOfStatement } from '@snowtrail/audit';
import { startSidecar, type SidecarHandle } from '@snowtrail/sidecar';
import { AUDITOR_PASSWORD, connectDirect, connectThroughSidecar, destroy, execute, runCli, startWorld, type World } from './harness.js';

describe('snowflake-sdk → sidecar → emulator, recorded to S3 (s3rver), verified by snowtrail sessions', () => {
  let world: World;
  let sidecar: SidecarHandle;
  let bigRows: Record<string, unknown>[] = [];
  let sessionId = '';
  const big = "select range as id, 'row-' || range as label from range(25000)";

  beforeAll(async () => {
    world = await startWorld({ emulator: { chunking: { inlineRows: 500, rowsPerChunk: 10000 } }, recording: { redact: ['email'] } });
    const config = validateSidecarConfig(world.config);
    const registry = new Registry();
    const logger = pino({ level: 'silent' });
    const recorder = await createRecorder({ config: config.recording, registry, logger, s3Client: world.s3.client() });
    sidecar = await startSidecar({ config, registry, logger, recorder, env: {} });
    const conn = await connectThroughSidecar(world, sidecar.url);
    expect(await execute(conn, 'select count(*) as n from orders')).toEqual([{ N: 3 }]);
    await execute(conn, 'insert into ledger select id from orders where region = ?', ['eu']);
    expect((await execute(conn, 'select id, email from orders order by id')).map((r) => r.EMAIL)).toEqual(['a@x.io', 'b@y.io', 'c@z.io']);
    bigRows = await execute(conn, big);
    expect(bigRows).toHaveLength(25000);
    await destroy(conn);
    // A clean shutdown ends the session and flushes the recording to S3.
    await sidecar.close();
    const listed = await runCli(['sessions', 'list', '-o', 'json', ...world.storeArgs], world.env);
    expect(listed.code).toBe(0);
    const sessions = JSON.parse(listed.stdout) as { sessionId: string; podName: string; kind: string }[];
    sessionId = sessions.find((s) => s.podName === 'etl-5c8d-x2v9q' && s.kind === 'session')!.sessionId;
  }, 180_000);
  afterAll(async () => {
    await world?.close();
  });

  it('`sessions verify` passes against S3 and `show` lists every statement with its identity', async () => {
    const verified = await runCli(['sessions', 'verify', sessionId, ...world.storeArgs], world.env);
    expect(verified.stdout).toMatch(new RegExp(`^OK +${sessionId}`));
    expect(verified.code).toBe(0);
    const shown = await runCli(['sessions', 'show', sessionId, ...world.storeArgs], world.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('pipelines/etl-5c8d-x2v9q (sa etl)');
    for (const sql of ['select count(*) as n from orders', 'insert into ledger select id from orders where region = ?', big]) expect(shown.stdout).toContain(sql);
  });

  it('the chunked result is recorded byte for byte: the recorded rows are the rows the driver returned, and every part hashes as recorded', async () => {
    const store = createS3Store({ client: world.s3.client(), bucket: world.bucket, prefix: 'audit/' });
    const records: Extract<SessionRecord, { kind: 'event' }>[] = [];
    for await (const r of readSession(store, sessionId)) if (r.kind === 'event') records.push(r);
    const events: RecordingEvent[] = records.map((r) => r.event);
    const query = events.find((e) => e.type === 'query' && e.data.sqlText === big)!;
    // v2: each part's bytes are in its blob; its `result` event comes when the part is complete.
    const opener = (partId: string): (() => Promise<AsyncIterable<Uint8Array> | undefined>) | undefined => records.find((r) => r.event.type === 'result' && r.event.data.partId === partId)?.openBlob;
    const parts = await Promise.all(collectResultParts(events).map((p) => loadPartBlob(p, opener(p.partId))));
    const mine = parts.filter((p) => p.querySeq === query.seq);
    expect(mine.map((p) => p.part).sort((a, b) => partOrder(a) - partOrder(b))).toEqual(['inline', 'chunk:0', 'chunk:1', 'chunk:2']);
    for (const p of mine) expect(sha256Hex(Buffer.concat(p.bytes))).toBe(p.clientSha256);
    const recorded = rowsOfStatement(parts, { querySeq: query.seq })!;
    expect(recorded.columns).toEqual(['ID', 'LABEL']);
    expect(recorded.rows).toHaveLength(25000);
    expect(recorded.rows.map((r) => `${String(r[0])}|${String(r[1])}`)).toEqual(bigRows.map((r) => `${String(r.ID)}|${String(r.LABEL)}`));
  });

  it('redacts the configured column in the recording while the client got the real values', async () => {
    const shown = await runCli(['sessions', 'show', sessionId, '--results', ...world.storeArgs], world.env);
    expect(shown.stdout).toContain('redacted columns: EMAIL');
    expect(shown.stdout).not.toContain('a@x.io');
  });

  it('`trace` finds the INSERT that wrote LEDGER with the pod identity', async () => {
    const traced = await runCli(['sessions', 'trace', 'SNOWTRAIL.PUBLIC.LEDGER', '--writes', '-o', 'json', ...world.storeArgs], world.env);
    expect(traced.code).toBe(0);
    const hits = JSON.parse(traced.stdout) as { sessionId: string; identity: { podName: string }; statement: { sqlText: string } }[];
    expect(hits.map((h) => [h.sessionId, h.identity.podName, h.statement.sqlText])).toEqual([[sessionId, 'etl-5c8d-x2v9q', 'insert into ledger select id from orders where region = ?']]);
  });

  it('clear errors for bad credentials, a missing bucket and a missing session', async () => {
    const badCreds = await runCli(['sessions', 'list', ...world.storeArgs], { ...world.env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY' });
    expect(badCreds.stderr).toContain('check the credentials');
    expect(badCreds.code).toBe(4);
    const noBucket = await runCli(['sessions', 'list', '--store', 's3://no-such-bucket/audit', '--endpoint', world.s3.endpoint], world.env);
    expect(noBucket.stderr).toContain('the bucket does not exist');
    expect(noBucket.code).toBe(3);
    const missing = await runCli(['sessions', 'verify', '20200101T000000Z-0123456789ab', ...world.storeArgs], world.env);
    expect(missing.code).toBe(5);
  });

  it('`replay --execute` re-runs the reads against the emulator: same rows, then differences once the data changed', async () => {
    const args = ['sessions', 'replay', sessionId, '--execute', '--target', world.emulator.url, '--account', 'SNOWTRAIL', '--user', 'AUDITOR', '--database', 'SNOWTRAIL', '--schema', 'PUBLIC', '-o', 'json', ...world.storeArgs];
    const env = { ...world.env, SNOWFLAKE_PASSWORD: AUDITOR_PASSWORD };
    const same = await runCli(args, env);
    const diffs = JSON.parse(same.stdout) as { sqlText: string; outcome: string; details: string[] }[];
    expect(diffs.map((d) => [d.sqlText, d.outcome])).toEqual([
      ['select count(*) as n from orders', 'same'],
      ['insert into ledger select id from orders where region = ?', 'skipped'],
      ['select id, email from orders order by id', 'same'],
      [big, 'same'],
    ]);
    expect(diffs[2]!.details).toEqual(['not compared (redacted in the recording): EMAIL']);
    expect(same.code).toBe(0);
    const direct = await connectDirect(world);
    await execute(direct, "insert into orders values (4, 1.0, 'us', 'd@w.io')");
    await destroy(direct);
    const changed = await runCli(args, env);
    expect(changed.code).toBe(1);
    const after = JSON.parse(changed.stdout) as { outcome: string; details: string[] }[];
    expect(after[0]).toMatchObject({ outcome: 'different', details: ['row 1 column N: recorded "3", target "4"'] });
    expect(after[2]).toMatchObject({ outcome: 'different', details: expect.arrayContaining(['row count: recorded 3, target 4']) });
  });
});
