/**
 * Policy benchmark: what classifying and deciding a request costs the sidecar.
 *
 *   node --import tsx benchmarks/policy.ts
 *
 * Measures classifySql + decide throughput for typical pipeline statements (one statement per
 * request, as drivers send them), for a 20-statement multi-statement request, and for a single
 * ~100 KB statement. Each case runs for a fixed time after a warm-up; we report the median of 5
 * rounds; wall time and this process's CPU time per request are both reported (the CPU time is less
 * distorted when other work shares the machine). Pure CPU, single thread; nothing else is started.
 */
import { classifySql, decide, statementPolicySchema } from '@snowtrail/policy';
import { cpus, totalmem } from 'node:os';

const ctx = { database: 'PIPELINE', schema: 'WORK' };
const policy = statementPolicySchema.parse({
  name: 'etl',
  defaultAction: 'deny',
  statements: [
    { name: 'session', action: 'allow', classes: ['SESSION', 'SHOW', 'DESCRIBE'] },
    { name: 'no-pii', action: 'deny', objects: ['RAW.PII.**'], access: 'read' },
    { name: 'read-raw', action: 'allow', classes: ['SELECT'], objects: ['RAW.**'], access: 'read' },
    { name: 'load-landing', action: 'allow', classes: ['COPY_INTO_TABLE'], objects: ['RAW.SALES.*', '@RAW.SALES.LANDING'] },
    { name: 'raw-is-read-only', action: 'deny', classes: ['DML', 'DDL'], objects: ['RAW.**'], access: 'write' },
    { name: 'transform', action: 'allow', classes: ['DML', 'CREATE_TABLE', 'CREATE_VIEW'], objects: ['ANALYTICS.**', 'RAW.**'] },
  ],
});

/** Statements a dbt/Airflow-style pipeline sends. */
const TYPICAL = [
  'SELECT order_id, customer_id, amount FROM raw.sales.orders WHERE order_date >= ?',
  'INSERT INTO analytics.mart.daily_orders (d, n, total) SELECT order_date, count(*), sum(amount) FROM raw.sales.orders GROUP BY order_date',
  `MERGE INTO analytics.mart.customers t USING (SELECT id, name, email FROM raw.crm.customers WHERE updated_at > :1) s
     ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.name = s.name, t.email = s.email WHEN NOT MATCHED THEN INSERT (id, name, email) VALUES (s.id, s.name, s.email)`,
  `WITH recent AS (SELECT * FROM raw.sales.orders WHERE order_date > DATEADD(day, -7, CURRENT_DATE())),
        totals AS (SELECT customer_id, sum(amount) AS s FROM recent GROUP BY customer_id)
   SELECT c.name, t.s FROM totals t JOIN raw.crm.customers c ON c.id = t.customer_id ORDER BY t.s DESC LIMIT 100`,
  'CREATE OR REPLACE TRANSIENT TABLE analytics.staging.orders_tmp AS SELECT * FROM raw.sales.orders /* dbt model */',
  'COPY INTO raw.sales.orders FROM @raw.sales.landing/orders/ FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1) ON_ERROR = ABORT_STATEMENT',
  'USE SCHEMA analytics.mart',
  'DELETE FROM analytics.mart.daily_orders WHERE d < DATEADD(day, -90, CURRENT_DATE())',
];

interface Result {
  name: string;
  opsPerSec: number;
  usPerOp: number;
  /** CPU time per request (user + system of this process): less sensitive to other load on the machine than wall time. */
  cpuUsPerOp: number;
  mbPerSec?: number;
}

function measure(name: string, sqls: readonly string[], ms: number, bytesPerOp?: number): Result {
  const run = (until: number): number => {
    let n = 0;
    while (performance.now() < until) {
      for (const sql of sqls) {
        const d = decide(classifySql(sql, ctx), policy);
        if (d.reasonKey === '') throw new Error('unreachable');
        n++;
      }
    }
    return n;
  };
  run(performance.now() + 300); // warm-up: JIT
  const rounds: { opsPerSec: number; cpuUs: number }[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const n = run(start + ms);
    const cpu = process.cpuUsage(cpu0);
    rounds.push({ opsPerSec: n / ((performance.now() - start) / 1000), cpuUs: (cpu.user + cpu.system) / n });
  }
  rounds.sort((a, b) => a.opsPerSec - b.opsPerSec);
  const median = rounds[2]!;
  const opsPerSec = median.opsPerSec;
  const out: Result = { name, opsPerSec, usPerOp: 1e6 / opsPerSec, cpuUsPerOp: median.cpuUs };
  if (bytesPerOp !== undefined) out.mbPerSec = (opsPerSec * bytesPerOp) / 1e6;
  return out;
}

const cols = Array.from({ length: 4200 }, (_, k) => `c${k} + 1 AS "col ${k}"`).join(', ');
const big = `INSERT INTO analytics.mart.wide SELECT ${cols} FROM raw.sales.orders o JOIN raw.crm.customers c ON o.customer_id = c.id`;
const multi = Array.from({ length: 20 }, (_, k) => TYPICAL[k % TYPICAL.length]!).join(';\n');

const results = [
  measure('typical pipeline statement (8-statement mix, one per request)', TYPICAL, 600),
  measure('20-statement multi-statement request', [multi], 600),
  measure(`one ${(big.length / 1024).toFixed(0)} KiB statement`, [big], 1000, big.length),
];

console.log(`policy benchmark  node ${process.version}  ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}  ${(totalmem() / 2 ** 30).toFixed(1)} GiB  ${new Date().toISOString()}`);
for (const r of results) {
  const extra = r.mbPerSec !== undefined ? `  ${r.mbPerSec.toFixed(1)} MB/s` : '';
  console.log(`${r.name.padEnd(64)} ${r.opsPerSec.toFixed(0).padStart(9)} req/s  ${r.usPerOp.toFixed(1).padStart(9)} µs/req wall  ${r.cpuUsPerOp.toFixed(1).padStart(9)} µs/req cpu${extra}`);
}
