/**
 * Catalog benchmark: `sessions list` (by pod, service account, one-day window) and `trace --writes`
 * over N sessions, answered by the index walk and by the Parquet catalog, plus the catalog build
 * (first and incremental). Sessions: a few dozen recorded by the real recorder, whose index parts
 * are then cloned under new session ids, times and identities (the walk and the catalog read only
 * index parts). Dir store first; radosgw with a smaller count where installed.
 * Run: node --import tsx benchmarks/catalog.ts [--quick] [--json]   (env: CATALOG_BENCH_SESSIONS=10000,
 * CATALOG_BENCH_RADOSGW_SESSIONS=1000, CATALOG_BENCH_RADOSGW_WALK_SESSIONS=100; --quick: 300 sessions, no radosgw)
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, cpus } from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { isRadosgwInstalled, startRadosgw } from '@snowtrail/devkit';
import {
  createDirStore,
  createRecorder,
  createS3Store,
  indexKey,
  listSessionIds,
  listSessions,
  makeSessionId,
  sha256Hex,
  traceObject,
  type IndexPart,
  type ObjectStore,
} from '@snowtrail/recording';
import { buildCatalog, listSessionsFromCatalog, readIndexedSession, traceFromCatalog } from '@snowtrail/catalog';

const QUICK = process.argv.includes('--quick');
/** `--json`: print one JSON object of results on stdout (read by run.ts); progress goes to stderr. */
const JSON_OUT = process.argv.includes('--json');
const N = Number(process.env.CATALOG_BENCH_SESSIONS ?? (QUICK ? 300 : 10_000));
const N_RGW = Number(process.env.CATALOG_BENCH_RADOSGW_SESSIONS ?? (QUICK ? 0 : 1000));
const N_RGW_WALK = Number(process.env.CATALOG_BENCH_RADOSGW_WALK_SESSIONS ?? (QUICK ? 0 : 100));
const say = (line: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`);

/** One measured case (what run.ts reads). */
interface CatalogCase {
  store: 'dir' | 'radosgw';
  sessions: number;
  what: string;
  walkMs?: number;
  catalogMs: number;
  count: number;
  /** Target in ms, for the list/trace queries. */
  targetMs?: number;
}
const cases: CatalogCase[] = [];
const TEMPLATES = 40;
const DAYS = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'];
const NAMESPACES = Array.from({ length: 12 }, (_, i) => `team-${i}`);
const TABLES = Array.from({ length: 50 }, (_, i) => `DW.PUBLIC.T${i}`).concat(['SALES.PUBLIC.ORDERS']);
const base = await mkdtemp(join(tmpdir(), 'bench-catalog-'));

function pick<T>(xs: readonly T[], i: number): T {
  return xs[((i % xs.length) + xs.length) % xs.length] as T;
}

/** Records TEMPLATES sessions with the real recorder and returns their index parts. */
async function recordTemplates(): Promise<IndexPart[][]> {
  const dir = join(base, 'templates');
  const store = createDirStore(dir);
  const keyFile = join(base, 'key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const recorder = await createRecorder({
    config: { mode: 'required', spoolDir: join(base, 'spool'), spoolMaxBytes: 1 << 30, flush: { intervalSeconds: 0.05, maxBytes: 64 * 1024 }, redact: [], store: { type: 'dir', path: dir }, signing: { keyFile } },
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    store,
  });
  for (let t = 0; t < TEMPLATES; t++) {
    const s = await recorder.startSession({
      identity: { subject: 'system:serviceaccount:ns:sa', namespace: 'ns', podName: 'pod', podUid: 'uid', serviceAccount: 'sa', nodeName: `node-${t % 3}` },
      policy: { name: 'audit', generation: 4 },
      snowflake: { account: 'ACME', user: 'SVC_ETL', role: 'ETL', warehouse: 'WH_M' },
      client: { app: 'JDBC', version: '3.19.0', address: `10.1.0.${t}` },
    });
    const count = 3 + (t * 7) % 13;
    for (let q = 0; q < count; q++) {
      const k = t * 31 + q * 17;
      const write = k % 5 === 0;
      const target = k % 23 === 0 ? 'SALES.PUBLIC.ORDERS' : pick(TABLES, k);
      const info = write
        ? { requestId: `r${q}`, sqlText: `insert into ${target.toLowerCase()} select * from ${pick(TABLES, k + 1).toLowerCase()} where load_date = current_date`, statements: [{ class: 'DML_INSERT', reads: [pick(TABLES, k + 1)], writes: [target] }], decision: 'allow' as const }
        : { requestId: `r${q}`, sqlText: `select id, amount, status from ${pick(TABLES, k).toLowerCase()} where updated_at > dateadd(day, -1, current_timestamp())`, statements: [{ class: 'SELECT', reads: [pick(TABLES, k)], writes: [] }], decision: 'allow' as const };
      await s.queryStarted(info);
      await s.queryEnded({ requestId: `r${q}`, queryId: `01b8${t}-${q}`, status: 'success', rows: k % 1000 });
    }
    await s.end('client_logout');
  }
  await recorder.close();
  const out: IndexPart[][] = [];
  for (const id of await listSessionIds(store)) out.push((await readIndexedSession(store, id)).parts);
  return out;
}

/** Session i of the fleet: a template's index parts under a new id, time and identity (pure). */
function cloneSession(templates: IndexPart[][], i: number, onDay?: string): { id: string; parts: IndexPart[] } {
  const parts = pick(templates, i);
  const day = onDay ?? pick(DAYS, i);
  const start = Date.parse(`${day}T00:00:00Z`) + ((i * 7919) % 86_000) * 1000;
  const id = makeSessionId(start, randomBytes(6).toString('hex'));
  const delta = start - Date.parse(parts[0]!.summary.startedAt);
  const shift = (t: string | undefined): string | undefined => (t === undefined ? undefined : new Date(Date.parse(t) + delta).toISOString());
  const ns = pick(NAMESPACES, i * 5);
  const sa = `sa-${(i * 3) % 40}`;
  const pod = `${ns}-worker-${i % 400}`;
  const identity = { subject: `system:serviceaccount:${ns}:${sa}`, namespace: ns, podName: pod, podUid: `uid-${pod}`, serviceAccount: sa, nodeName: `node-${i % 5}` };
  return {
    id,
    parts: parts.map((p) => ({
      ...p,
      sessionId: id,
      summary: { ...p.summary, sessionId: id, identity, startedAt: shift(p.summary.startedAt)!, lastEventAt: shift(p.summary.lastEventAt)! },
      segments: p.segments.map((s) => ({ ...s, key: s.key.replace(/v1\/sessions\/[^/]+\/[^/]+\//, `v1/sessions/${day}/${id}/`), firstTime: shift(s.firstTime)!, lastTime: shift(s.lastTime)! })),
      statements: p.statements.map((st) => ({ ...st, ...(st.time ? { time: shift(st.time)! } : {}), ...(st.endTime ? { endTime: shift(st.endTime)! } : {}) })),
    })),
  };
}

async function writeFleetDir(root: string, templates: IndexPart[][], from: number, to: number, onDay?: string): Promise<void> {
  for (let i = from; i < to; i++) {
    const { id, parts } = cloneSession(templates, i, onDay);
    for (const p of parts) {
      const path = join(root, ...indexKey('', id, p.no).split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(p));
    }
  }
}

async function writeFleetStore(store: ObjectStore, templates: IndexPart[][], count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const { id, parts } = cloneSession(templates, next++);
        for (const p of parts) {
          const body = Buffer.from(JSON.stringify(p));
          await store.put(indexKey(store.prefix, id, p.no), body, { contentType: 'application/json', sha256: sha256Hex(body) });
        }
      }
    }),
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const rows: string[] = [];
function report(store: string, n: number, what: string, walk: { ms: number; count: number } | undefined, catalog: { ms: number; count: number }, target?: number): void {
  const met = target === undefined ? '' : catalog.ms <= target ? 'met' : 'NOT met';
  const line = `| ${store} | ${n} | ${what} | ${walk ? (walk.ms / 1000).toFixed(2) + ' s' : '—'} | ${(catalog.ms / 1000).toFixed(2)} s | ${catalog.count}${walk && walk.count !== catalog.count ? ` (walk ${walk.count}!)` : ''} | ${met} |`;
  rows.push(line);
  cases.push({ store: store as CatalogCase['store'], sessions: n, what, ...(walk ? { walkMs: walk.ms } : {}), catalogMs: catalog.ms, count: catalog.count, ...(target !== undefined ? { targetMs: target } : {}) });
  say(line);
}

async function runQueries(label: string, store: ObjectStore, n: number, withWalk: boolean): Promise<void> {
  const pod = `${pick(NAMESPACES, 5)}-worker-1`;
  const cases: [string, () => Promise<unknown[]>, () => Promise<unknown[]>][] = [
    [`list --pod ${pod}`, () => listSessions(store, { pod }), () => listSessionsFromCatalog(store, { pod })],
    ['list --service-account sa-7', () => listSessions(store, { serviceAccount: 'sa-7' }), () => listSessionsFromCatalog(store, { serviceAccount: 'sa-7' })],
    ['list --since/--until one day', () => listSessions(store, { since: new Date('2026-11-26T00:00:00Z'), until: new Date('2026-11-26T23:59:59Z') }), () => listSessionsFromCatalog(store, { since: new Date('2026-11-26T00:00:00Z'), until: new Date('2026-11-26T23:59:59Z') })],
    ['trace SALES.PUBLIC.ORDERS --writes', () => traceObject(store, 'SALES.PUBLIC.ORDERS'), () => traceFromCatalog(store, 'SALES.PUBLIC.ORDERS')],
  ];
  for (const [what, walkFn, catFn] of cases) {
    const cat = await timed(catFn);
    const walk = withWalk ? await timed(walkFn) : undefined;
    if (walk && JSON.stringify(walk.value) !== JSON.stringify(cat.value)) throw new Error(`${label} ${what}: catalog and walk disagree`);
    report(label, n, what, walk && { ms: walk.ms, count: walk.value.length }, { ms: cat.ms, count: cat.value.length }, 2000);
  }
}

try {
  const load0 = loadavg();
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const templates = await recordTemplates();
  const root = join(base, 'fleet');
  await writeFleetDir(root, templates, 0, N);
  const dir = createDirStore(root);
  const build = await timed(() => buildCatalog(dir));
  report('dir', N, 'catalog build (first)', undefined, { ms: build.ms, count: build.value.sessionsChanged });
  // New sessions arrive on the newest day, as they do between two CronJob runs.
  await writeFleetDir(root, templates, N, N + 100, DAYS.at(-1));
  const inc = await timed(() => buildCatalog(dir));
  report('dir', N + 100, 'catalog build (+100 sessions today)', undefined, { ms: inc.ms, count: inc.value.sessionsChanged });
  await runQueries('dir', dir, N + 100, process.env.CATALOG_BENCH_WALK !== '0');

  if (N_RGW > 0 && (await isRadosgwInstalled())) {
    const rgw = await startRadosgw();
    try {
      await rgw.createBucket('catalog');
      const store = createS3Store({ client: rgw.client(), bucket: 'catalog', prefix: 'rec/' });
      await writeFleetStore(store, templates, N_RGW);
      const b = await timed(() => buildCatalog(store));
      report('radosgw', N_RGW, 'catalog build (first)', undefined, { ms: b.ms, count: b.value.sessionsChanged });
      await runQueries('radosgw', store, N_RGW, false);
      if (N_RGW_WALK > 0) {
        await rgw.createBucket('walk');
        const small = createS3Store({ client: rgw.client(), bucket: 'walk', prefix: 'rec/' });
        await writeFleetStore(small, templates, N_RGW_WALK);
        await buildCatalog(small);
        await runQueries('radosgw', small, N_RGW_WALK, true);
      }
    } finally {
      await rgw.close();
    }
  } else say(N_RGW > 0 ? 'radosgw not installed: skipped' : 'radosgw: skipped (quick run)');
  const load1 = loadavg();
  say(`load after: ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  say(rows.join('\n'));
  if (JSON_OUT) process.stdout.write(`${JSON.stringify({ quick: QUICK, sessions: N, radosgwSessions: N_RGW, cases })}\n`);
} finally {
  await rm(base, { recursive: true, force: true });
}
