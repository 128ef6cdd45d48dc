/**
 * Policy verification benchmark: the latency `policy.verify: explain` adds to a reading statement.
 *
 *   node --import tsx benchmarks/policy-verify.ts [--quick]
 *
 * The emulator runs as its own process (benchmarks/emulator.ts), two sidecars as two more
 * (benchmarks/sidecar-child.ts with the null recorder, so only the proxy and the policy are
 * measured): one with `verify: none`, one with `verify: explain`, same rules. The load generator
 * sends raw query requests (undici keep-alive, no driver parsing), one at a time, in interleaved
 * rounds so both sidecars share the machine's noise:
 *  - a read of a table (`select … from ANALYTICS.PUBLIC.U where …`): one EXPLAIN more upstream;
 *  - a read of a view over the table (`ANALYTICS.PUBLIC.V`): the plan shows the base table;
 *  - `select 1`: reads nothing, so no EXPLAIN (the cost of the option when it does not apply);
 *  - the EXPLAIN alone, sent directly to the emulator (what the extra round trip costs upstream).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startTokenIssuer } from '@snowtrail/devkit';
import { startEmulatorProcess } from './emulator.js';

const QUICK = process.argv.includes('--quick');
const HERE = dirname(fileURLToPath(import.meta.url));
const POD_UID = '9d4a1f3e-0000-4000-8000-00000000b002';
const CLAIMS = { namespace: 'bench', podName: 'bench-0', podUid: POD_UID, serviceAccount: 'bench' };
const ROUNDS = QUICK ? 2 : 5;
const PER_ROUND = QUICK ? 50 : 200;

interface Target { name: string; pool: Pool; token: string }
interface Env { success: boolean; code: string | null; message: string | null; data: Record<string, unknown> }

async function post(pool: Pool, path: string, body: unknown, token?: string): Promise<Env> {
  const r = await pool.request({
    method: 'POST', path,
    headers: { 'content-type': 'application/json', accept: 'application/snowflake', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
    body: JSON.stringify(body),
  });
  return (await r.body.json()) as Env;
}

async function query(t: Target, sqlText: string): Promise<void> {
  const env = await post(t.pool, `/queries/v1/query-request?requestId=${randomUUID()}`, { sqlText }, t.token);
  if (!env.success) throw new Error(`${t.name}: ${env.code} ${env.message}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function spawnSidecar(configPath: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'sidecar-child.ts'), configPath, 'null'], { cwd: HERE, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res(out.slice(0, nl));
    });
    proc.on('exit', (c) => rej(new Error(`sidecar exited ${c}`)));
  });
  return { proc, url: (JSON.parse(line) as { url: string }).url };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' / ');
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-bench-verify-'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'key.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(join(dir, 'svc.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  await writeFile(join(dir, 'signing.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  const emulator = await startEmulatorProcess(['--user-public-key', `SVC_ETL=${join(dir, 'svc.pub.pem')}`]);
  const emuPool = new Pool(emulator.url, { connections: 4 });
  const directLogin = await post(emuPool, `/session/v1/login-request?requestId=${randomUUID()}`, { data: { ACCOUNT_NAME: 'BENCH', LOGIN_NAME: 'BENCH', PASSWORD: 'bench', AUTHENTICATOR: 'SNOWFLAKE' } });
  const direct: Target = { name: 'direct', pool: emuPool, token: (directLogin.data as { token: string }).token };
  for (const sql of ['CREATE DATABASE ANALYTICS', 'CREATE TABLE ANALYTICS.PUBLIC.U (a INTEGER, b VARCHAR)', "INSERT INTO ANALYTICS.PUBLIC.U SELECT range, 'row-' || range FROM range(1000)", 'CREATE VIEW ANALYTICS.PUBLIC.V AS SELECT a, b FROM ANALYTICS.PUBLIC.U WHERE a % 2 = 0']) {
    await query(direct, sql);
  }

  const policy = (verify: string) => ({
    name: 'bench', generation: 1, defaultAction: 'deny', verify,
    statements: [{ action: 'allow', access: 'read', objects: ['ANALYTICS.PUBLIC.*'] }, { action: 'allow', classes: ['SELECT'] }],
  });
  const sidecars: Target[] = [];
  const procs: ChildProcess[] = [];
  for (const verify of ['none', 'explain']) {
    const configPath = join(dir, `config-${verify}.json`);
    await writeFile(configPath, JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 },
      identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:bench:bench'] },
      upstream: { url: emulator.url, account: 'BENCH', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: join(dir, 'key.p8') } },
      policy: policy(verify),
      recording: { mode: 'best-effort', spoolDir: join(dir, `spool-${verify}`), store: { type: 'dir', path: join(dir, `store-${verify}`) }, signing: { keyFile: join(dir, 'signing.pem') } },
      logLevel: 'warn',
    }));
    const { proc, url } = await spawnSidecar(configPath);
    procs.push(proc);
    const pool = new Pool(url, { connections: 4 });
    const login = await post(pool, `/session/v1/login-request?requestId=${randomUUID()}`, { data: { ACCOUNT_NAME: 'BENCH', AUTHENTICATOR: 'OAUTH', TOKEN: await issuer.mint(CLAIMS) } });
    sidecars.push({ name: `verify: ${verify}`, pool, token: (login.data as { token: string }).token });
  }

  const cases: { name: string; sql: string; targets: Target[] }[] = [
    { name: 'read of a table', sql: 'select a, b from ANALYTICS.PUBLIC.U where a < 10', targets: sidecars },
    { name: 'read of a view', sql: 'select a, b from ANALYTICS.PUBLIC.V where a < 10', targets: sidecars },
    { name: '`select 1` (reads nothing: no EXPLAIN)', sql: 'select 1', targets: sidecars },
    { name: 'the EXPLAIN alone, direct to the emulator', sql: 'EXPLAIN USING JSON select a, b from ANALYTICS.PUBLIC.U where a < 10', targets: [direct] },
  ];
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load at start ${loadAtStart}; ${ROUNDS} rounds × ${PER_ROUND} sequential requests per target`);
  console.log('| statement | target | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const c of cases) {
    const lat = new Map<string, number[]>(c.targets.map((t) => [t.name, []]));
    for (const t of c.targets) for (let i = 0; i < 20; i++) await query(t, c.sql); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of c.targets) {
        for (let i = 0; i < PER_ROUND; i++) {
          const s = performance.now();
          await query(t, c.sql);
          lat.get(t.name)!.push(performance.now() - s);
        }
      }
    }
    for (const t of c.targets) {
      const sorted = lat.get(t.name)!.sort((a, b) => a - b);
      console.log(`| ${c.name} | ${t.name} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} |`);
    }
  }
  console.log(`load at end ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all([...sidecars.map((s) => s.pool.close()), emuPool.close()]);
  await emulator.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
