/**
 * Operator benchmark: admission latency of the HTTPS /mutate webhook (real AdmissionReview v1
 * bodies, keep-alive TLS like the API server's client; server in a child process) and the controller's memory and time with
 * 1,000 policies against the in-process Kubernetes API server (controller in its own process).
 *
 *   node --import tsx benchmarks/operator.ts [--requests 5000] [--policies 1000] [--write]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseYaml as parse, startKubeApiServer } from '@snowtrail/operator/testing';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const REQUESTS = arg('requests', 5000);
const POLICIES = arg('policies', 1000);
const testdata = `${ROOT}packages/operator/testdata/inject/`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(2)} ms`;
const MiB = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

// ---- 1. admission latency over HTTPS ----
// The webhook runs in its own process (like in a cluster); this process is only the client.
async function startWebhookChild() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'benchmarks/operator-webhook-child.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const nextLine = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : waiters.push(resolve)));
  const { url, caPem } = JSON.parse(await nextLine()) as { url: string; caPem: string };
  const cpuUs = async () => {
    child.stdin!.write('cpu\n');
    return (JSON.parse(await nextLine()) as { cpuUs: number }).cpuUs;
  };
  const stop = () => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
  return { url, caPem, cpuUs, stop };
}

async function benchAdmission(server: Awaited<ReturnType<typeof startWebhookChild>>, concurrency: number, requests: number) {
  const pod = parse(readFileSync(`${testdata}deployment-pod/pod.yaml`, 'utf8'));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.caPem });
  const body = (i: number) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `bench-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'pipelines', operation: 'CREATE', userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' }, object: pod } });
  const one = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const t = process.hrtime.bigint();
      const req = request(`${server.url}/mutate`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const r = JSON.parse(Buffer.concat(chunks).toString());
          if (!r.response.allowed || !r.response.patch) reject(new Error('unexpected answer'));
          resolve(Number(process.hrtime.bigint() - t) / 1e6);
        });
      });
      req.on('error', reject);
      req.end(body(i));
    });
  let next = 0;
  const run = async (n: number, out: number[]) => {
    next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) out.push(await one(next++));
    }));
  };
  await run(Math.min(1000, requests), []); // warm-up: JIT, TLS sessions
  const lat: number[] = [];
  const serverCpu0 = await server.cpuUs();
  const t0 = performance.now();
  await run(requests, lat);
  const wall = performance.now() - t0;
  const serverCpu = (await server.cpuUs()) - serverCpu0;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { concurrency, requests, p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1]!, perSecond: (requests / wall) * 1000, cpuMsPerReview: serverCpu / 1000 / requests };
}

// ---- 2. controller memory with N policies ----
async function benchController(n: number) {
  const api = await startKubeApiServer({ jwks: { keys: [{ kty: 'RSA', kid: 'a', n: 'x'.repeat(342), e: 'AQAB' }, { kty: 'RSA', kid: 'b', n: 'y'.repeat(342), e: 'AQAB' }] } });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (let t = 0; t < 10; t++) api.create('secrets', { metadata: { name: 'snowtrail-signing', namespace: `team-${t}` }, data: { 'signing-key.pem': b64('-----BEGIN PRIVATE KEY-----\n'.padEnd(240, 'k')) } });
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % 10}`;
    api.create('secrets', { metadata: { name: `snowflake-${i}`, namespace: ns }, data: { 'private-key.pem': b64('-----BEGIN PRIVATE KEY-----\n'.padEnd(1700, 'k')) } });
    api.create('snowflakeaccesspolicies', {
      apiVersion: 'snowtrail.dev/v1alpha1',
      kind: 'SnowflakeAccessPolicy',
      metadata: { name: `policy-${i}`, namespace: ns },
      spec: {
        subjects: [{ serviceAccount: `pipeline-${i}` }],
        snowflake: { account: 'myorg-myacct', user: `SVC_${i}`, role: 'ETL', warehouse: 'ETL_WH', credentials: { secretName: `snowflake-${i}` } },
        defaultAction: 'deny',
        statements: [
          { name: 'read', action: 'allow', classes: ['READ'], objects: ['ANALYTICS.*.*'] },
          { name: 'write', action: 'allow', classes: ['DML'], objects: [`STAGING.TEAM_${i}.*`], access: 'write' },
          { name: 'session', action: 'allow', classes: ['SESSION'] },
        ],
        limits: { maxResultRows: 1000000 },
        recording: { store: { bucket: 'recordings', prefix: `team-${i % 10}/` }, signing: { secretName: 'snowtrail-signing' } },
      },
    });
  }
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'benchmarks/operator-controller-child.ts', api.url, String(n)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const configMaps = api.list('configmaps').length;
  await api.close();
  const r = JSON.parse(out.trim().split('\n').pop()!) as { before: { rss: number; heapUsed: number }; after: { rss: number; heapUsed: number }; syncedMs: number; reconciledMs: number };
  return { n, configMaps, ...r };
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}-${process.arch}`;
const webhook = await startWebhookChild();
const seq = await benchAdmission(webhook, 1, REQUESTS);
const par = await benchAdmission(webhook, 8, REQUESTS);
await webhook.stop();
const ctl = await benchController(POLICIES);
const target = (p99: number) => (p99 <= 5 ? 'met' : 'not met');
const rows = [
  `| admission, 1 client, ${seq.requests} reviews (Deployment pod, injected) | p50 ${ms(seq.p50)}, p99 ${ms(seq.p99)}, max ${ms(seq.max)}; ${seq.perSecond.toFixed(0)} reviews/s; ${seq.cpuMsPerReview.toFixed(2)} ms webhook CPU a review — p99 ≤ 5 ms target ${target(seq.p99)} |`,
  `| admission, 8 concurrent clients, ${par.requests} reviews | p50 ${ms(par.p50)}, p99 ${ms(par.p99)}, max ${ms(par.max)}; ${par.perSecond.toFixed(0)} reviews/s; ${par.cpuMsPerReview.toFixed(2)} ms webhook CPU a review — p99 ≤ 5 ms target ${target(par.p99)} |`,
  `| controller, ${ctl.n} policies (+${ctl.n + 10} Secrets) listed and reconciled, ${ctl.configMaps} ConfigMaps rendered | caches synced in ${(ctl.syncedMs / 1000).toFixed(2)} s, all Ready after ${(ctl.reconciledMs / 1000).toFixed(2)} s |`,
  `| controller memory after GC | RSS ${MiB(ctl.after.rss)} (${MiB(ctl.before.rss)} before starting, +${MiB(ctl.after.rss - ctl.before.rss)}); heap used ${MiB(ctl.after.heapUsed)} (+${MiB(ctl.after.heapUsed - ctl.before.heapUsed)}, ≈ ${((ctl.after.heapUsed - ctl.before.heapUsed) / ctl.n / 1024).toFixed(1)} KiB a policy with its Secret and ConfigMap cached) |`,
];
const report = rows.join('\n');
process.stdout.write(`${machine}\n${report}\n`);

if (process.argv.includes('--write')) {
  const path = `${ROOT}docs/benchmarks.md`;
  const doc = readFileSync(path, 'utf8');
  const body = [
    `Run: \`node --import tsx benchmarks/operator.ts --write\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine}.`,
    'Webhook: the real HTTPS server in its own process on loopback, keep-alive TLS connections (as the API server keeps them), a real',
    'AdmissionReview v1 for a Deployment\'s pod that gets injected (policy lookup from an in-memory cache, as the informer',
    'gives it); latency is measured by the client from request start to the parsed answer, after 1,000 warm-up reviews.',
    'Controller: its own process (so the API server\'s memory is not counted) against the in-process API server from',
    '`@snowtrail/operator/testing`, informers on policies, Secrets, rendered ConfigMaps and pods; every policy validated,',
    'its Secrets checked, its config rendered and checked by the sidecar\'s loader, its ConfigMap created and its status written.',
    '',
    '| measurement | result |',
    '| --- | --- |',
    report,
    '',
    `Load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores — the machine is shared with the other`,
    'engineers\' test runs (client and webhook processes included); the median and the webhook\'s CPU a review show the work per',
    seq.p99 <= 5 && par.p99 <= 5
      ? 'admission, the p99 includes waiting for a core. The ≤ 5 ms p99 target is met in both runs.'
      : `admission, the p99 includes waiting for a core. The ≤ 5 ms p99 target is NOT met here (p99 ${ms(seq.p99)} / ${ms(par.p99)}); it is reported, not tuned toward — re-measure on an idle host.`,
  ].join('\n');
  const next = doc.replace(/## Operator\n[\s\S]*?(?=\n## |$)/, `## Operator\n\n${body}\n`);
  writeFileSync(path, next);
  process.stdout.write(`wrote ${path}\n`);
}
process.exit(0);
