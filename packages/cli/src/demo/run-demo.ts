/**
 * The local demo: every part of snowtrail on loopback, a sample pipeline through it, and the auditor's
 * view of what it recorded. Each step says what it does; everything it starts is stopped at the end,
 * also on failure.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSidecarConfig } from '@snowtrail/config';
import { startS3rver, startTokenIssuer } from '@snowtrail/devkit';
import { startEmulator } from '@snowtrail/emulator';
import { startSidecar } from '@snowtrail/sidecar';
import { cliInvocation } from '../cli-entry.js';
import { DEMO_OUTPUT_TABLE, demoInitSql } from './demo-data.js';
import { generateSigningKey, generateSnowflakeKeys } from './demo-keys.js';
import { renderDemoConfig } from './demo-config.js';
import { runSamplePipeline } from './pipeline.js';

/** Options of the demo. */
export interface DemoOptions {
  /** Rows in the large table (default 200,000: comes back in chunks). */
  eventRows?: number;
  /** Keep the scratch folder (config, keys, spool) instead of removing it. */
  keep?: boolean;
  /** Log the sidecar in to Snowflake with a generated key pair instead of workload identity. */
  keyPair?: boolean;
  /** Where progress goes (default stdout). */
  out?: (line: string) => void;
}

/** What the demo found, for its test. */
export interface DemoReport {
  sessionId: string;
  pipeline: Awaited<ReturnType<typeof runSamplePipeline>>;
  verifyExitCode: number;
  outputs: Record<'list' | 'show' | 'verify' | 'trace', string>;
  /** The scratch folder's files when the pipeline ran (what a pod would have had to hold). */
  scratchFiles: string[];
}

const ACCOUNT = 'DEMO';
const SNOWFLAKE_USER = 'SNOWTRAIL_SVC';
const BUCKET = 'snowtrail-recordings';
const POD = { namespace: 'pipelines', podName: 'daily-revenue-29123456-abcde', serviceAccount: 'etl', nodeName: 'kind-worker' };

type Closer = () => Promise<unknown>;

/** Runs `snowtrail <args>` as the auditor would, capturing its output. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = cliInvocation();
  return new Promise((resolve, reject) => {
    const child = spawn(cli.command, [...cli.args, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Reads one unlabelled counter from the sidecar's Prometheus endpoint (0 when absent). */
async function readMetric(adminUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** Runs the whole demo and returns what it saw. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const step = (n: number, text: string) => out(`\n[${n}/7] ${text}`);
  const eventRows = options.eventRows ?? 200_000;
  const closers: Closer[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-demo-'));
  try {
    step(1, "Starting a token issuer standing in for the cluster's service-account issuer");
    const issuer = await startTokenIssuer();
    closers.push(() => issuer.close());
    const podUid = randomUUID();
    const token = await issuer.mint({ ...POD, podUid, audience: 'snowtrail', expiresInSeconds: 600 });
    const subject = `system:serviceaccount:${POD.namespace}:${POD.serviceAccount}`;
    out(`      issuer ${issuer.issuer}; projected token for ${subject} in pod ${POD.podName}`);
    await writeFile(join(dir, 'signing-key.pem'), generateSigningKey(), { mode: 0o600 });

    step(2, 'Starting the Snowflake emulator (DuckDB) with sample data');
    let user: { name: string; publicKeyPem?: string } = { name: SNOWFLAKE_USER };
    let trust = '';
    if (options.keyPair) {
      const keys = generateSnowflakeKeys();
      await writeFile(join(dir, 'snowflake-key.pem'), keys.snowflakePrivateKeyPem, { mode: 0o600 });
      user = { name: SNOWFLAKE_USER, publicKeyPem: keys.snowflakePublicKeyPem };
    } else {
      // What a Snowflake admin runs once per ServiceAccount; the sidecar then needs no secret at all.
      trust = `CREATE USER ${SNOWFLAKE_USER} TYPE = SERVICE WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = '${issuer.issuer}' SUBJECT = '${subject}')`;
      // The sidecar's own projected token (audience snowflakecomputing.com), as the kubelet writes it.
      await writeFile(join(dir, 'snowflake-token'), await issuer.mint({ ...POD, podUid, audience: 'snowflakecomputing.com', expiresInSeconds: 600 }), { mode: 0o600 });
    }
    const emulator = await startEmulator({
      account: ACCOUNT,
      users: options.keyPair ? [user] : [],
      initSql: options.keyPair ? demoInitSql(eventRows) : `${trust};\n${demoInitSql(eventRows)}`,
    });
    closers.push(() => emulator.close());
    out(`      emulator on ${emulator.url}: RAW.PUBLIC.{CUSTOMERS,ORDERS,EVENTS(${eventRows.toLocaleString('en-US')} rows)}, ANALYTICS.PUBLIC`);
    if (options.keyPair) out(`      user ${SNOWFLAKE_USER} accepts only its RSA key pair — held by the sidecar, never by the pipeline`);
    else {
      out(`      ${trust}`);
      out(`      user ${SNOWFLAKE_USER} trusts the pod's service account by workload identity: no key pair, no Secret`);
    }

    step(3, 'Starting an S3-compatible object store (s3rver) for the recordings');
    const s3 = await startS3rver();
    closers.push(() => s3.close());
    await s3.createBucket(BUCKET);
    await writeFile(join(dir, 's3-access-key-id'), s3.accessKeyId);
    await writeFile(join(dir, 's3-secret-access-key'), s3.secretAccessKey);
    out(`      s3://${BUCKET}/recordings on ${s3.endpoint}`);

    step(4, 'Starting the snowtrail sidecar (policy: read RAW, write ANALYTICS, nothing leaves)');
    await mkdir(join(dir, 'spool'), { recursive: true });
    const configPath = join(dir, 'sidecar.yaml');
    const configText = renderDemoConfig({
      dir, emulatorUrl: emulator.url, account: ACCOUNT, user: SNOWFLAKE_USER, issuer: issuer.issuer, jwksUri: issuer.jwksUri,
      podUid, subject, s3: { endpoint: s3.endpoint, bucket: BUCKET }, upstreamAuth: options.keyPair ? 'keypair' : 'workloadIdentity',
    });
    await writeFile(configPath, configText);
    const sidecar = await startSidecar({ config: parseSidecarConfig(configText, configPath), configPath, env: { ...process.env, SNOWTRAIL_POD_UID: podUid } });
    let sidecarClosed = false;
    closers.push(() => (sidecarClosed ? Promise.resolve() : sidecar.close()));
    out(`      sidecar on ${sidecar.url} (driver), ${sidecar.adminUrl} (health, metrics)`);

    step(5, 'Running the sample pipeline through the sidecar (snowflake-sdk, OAUTH with the pod token)');
    const pipeline = await runSamplePipeline(sidecar.url, ACCOUNT, token);
    const scratchFiles = (await readdir(dir)).sort();
    out(`      built ${DEMO_OUTPUT_TABLE}; appended ${pipeline.appended} row with binds`);
    out(`      revenue by country: ${pipeline.revenueByCountry.map((r) => `${r.COUNTRY} ${Number(r.REVENUE).toFixed(2)}`).join(', ')}`);
    out(`      streamed ${pipeline.largeRows.toLocaleString('en-US')} rows of RAW.PUBLIC.EVENTS (chunked result, every chunk through the sidecar)`);
    if (pipeline.denied) {
      out(`      exfiltration attempt refused: ${pipeline.denied.code} (${pipeline.denied.sqlState}) ${pipeline.denied.message}`);
    } else {
      throw new Error('the exfiltration attempt was not denied');
    }
    const chunkBytes = await readMetric(sidecar.adminUrl, 'snowtrail_sidecar_chunk_bytes_total');
    out(`      ${(chunkBytes / 1024 / 1024).toFixed(1)} MiB of result chunks crossed the sidecar and were recorded byte for byte`);
    const logins = emulator.logins.map((l) => `${l.user}/${l.authenticator}`);
    out(`      Snowflake saw only the sidecar's logins: ${[...new Set(logins)].join(', ')}`);
    await sidecar.close();
    sidecarClosed = true;
    out('      sidecar stopped; recording flushed to the store');

    const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' };
    const store = ['--store', `s3://${BUCKET}/recordings`, '--endpoint', s3.endpoint];
    const show = async (args: string[]) => {
      out(`\n$ snowtrail ${args.join(' ')}`);
      const r = await runCli([...args, ...store], env);
      out((r.stdout + r.stderr).trimEnd());
      return r;
    };

    step(6, 'The auditor: list, show and verify the recorded session');
    const list = await show(['sessions', 'list']);
    const listed = await runCli(['sessions', 'list', '-o', 'json', ...store], env);
    if (listed.code !== 0) throw new Error(`sessions list failed: ${listed.stderr}`);
    const sessions = JSON.parse(listed.stdout) as { sessionId: string; podName?: string }[];
    const session = sessions.find((s) => s.podName === POD.podName) ?? sessions[0];
    if (!session) throw new Error('no session was recorded');
    const shown = await show(['sessions', 'show', session.sessionId]);
    const verified = await show(['sessions', 'verify', session.sessionId]);

    step(7, `Tracing ${DEMO_OUTPUT_TABLE} back to the statements, identity and time that wrote it`);
    const traced = await show(['sessions', 'trace', DEMO_OUTPUT_TABLE, '--writes']);

    out(`\nDone. ${verified.code === 0 ? 'The recording verified intact.' : 'VERIFICATION FAILED.'}`);
    return {
      sessionId: session.sessionId,
      pipeline,
      verifyExitCode: verified.code,
      outputs: { list: list.stdout, show: shown.stdout, verify: verified.stdout, trace: traced.stdout },
      scratchFiles,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (options.keep) out(`(scratch folder kept: ${dir})`);
    else await rm(dir, { recursive: true, force: true });
  }
}
