/**
 * Integration harness: a local token issuer (kube-apiserver claims), the DuckDB emulator as
 * Snowflake, the sidecar between them, and the official snowflake-sdk driver as the client.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { validateSidecarConfig, type SidecarConfig } from '@snowtrail/config';
import { startTokenIssuer, type MintClaims, type TokenIssuerHandle } from '@snowtrail/devkit';
import { connect, type Connection } from '@snowtrail/devkit';
export { connect, destroy, execute, type Connection, type Executed, type Statement } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '@snowtrail/emulator';
import type { Recorder } from '@snowtrail/recording';
import { createSidecarLogger, startSidecar, type SidecarHandle, type SidecarOptions } from '../src/index.js';
import { createMemoryRecorder, type MemoryRecorder } from './memory-recorder.js';
import { startUpstreamTap, type UpstreamTap } from './upstream-tap.js';



/** The pod the sidecar believes it runs in. */
export const POD_UID = '6f1c1a52-9a43-4d0e-b7a1-0c2f3e4d5a6b';
/** The projected-token claims of the pipeline pod. */
export const POD_CLAIMS: MintClaims = { namespace: 'pipelines', podName: 'etl-7d9f-abcde', podUid: POD_UID, serviceAccount: 'etl', nodeName: 'node-1' };

/** What a test can change. */
export interface StackOptions {
  emulator?: Partial<EmulatorOptions>;
  /** Deep-merged over the default config input before validation. */
  config?: (input: Record<string, unknown>) => void;
  recorder?: Recorder;
  /** Let startSidecar build the real recorder (@snowtrail/recording's createRecorder) from the config. */
  realRecorder?: boolean;
  configPath?: boolean;
  /** Receives the sidecar's JSON log lines (level debug, the production redaction) instead of discarding them. */
  logSink?: string[];
  /** Clock and sweep interval handed to startSidecar (session expiry tests). */
  now?: () => number;
  sweepIntervalMs?: number;
  /** Runs after the temp dir exists and before the sidecar starts (write credential files). */
  beforeStart?: (dir: string) => Promise<void>;
  /** Extra startSidecar options (e.g. the in-flight request budget). */
  sidecar?: Partial<SidecarOptions>;
  /** Put a recording relay between the sidecar and the emulator (`stack.tap`). */
  tap?: boolean;
}

/** A running stack. */
export interface Stack {
  dir: string;
  issuer: TokenIssuerHandle;
  emulator: EmulatorHandle;
  sidecar: SidecarHandle;
  recorder: Recorder | undefined;
  memory: MemoryRecorder | undefined;
  /** The relay in front of the emulator, when `tap` was asked for. */
  tap: UpstreamTap | undefined;
  registry: Registry;
  config: SidecarConfig;
  configFile: string;
  mint(over?: Partial<MintClaims>): Promise<string>;
  connect(options?: Record<string, unknown>): Promise<Connection>;
  close(): Promise<void>;
}

/** Starts issuer, emulator and sidecar wired together. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-sidecar-'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'snowflake-key.p8');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingFile = join(dir, 'signing.pem');
  await writeFile(signingFile, signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  const emulator = await startEmulator({
    account: 'SNOWTRAIL',
    users: [{ name: 'SVC_ETL', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    initSql: 'CREATE SCHEMA IF NOT EXISTS PUBLIC; CREATE TABLE orders (id INTEGER, amount DOUBLE, region VARCHAR); INSERT INTO orders VALUES (1, 10.5, \'eu\'), (2, 20.25, \'us\'), (3, 5.0, \'eu\');',
    ...options.emulator,
  });
  const tap = options.tap ? await startUpstreamTap(emulator.url) : undefined;
  const input: Record<string, unknown> = {
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:pipelines:etl'], clockSkewSeconds: 5 },
    upstream: { url: tap?.url ?? emulator.url, account: 'SNOWTRAIL', user: 'SVC_ETL', auth: { type: 'keypair', privateKeyFile: keyFile } },
    policy: { name: 'etl', generation: 1, defaultAction: 'allow', statements: [], limits: {} },
    recording: { spoolDir: join(dir, 'spool'), store: { type: 'dir', path: join(dir, 'store') }, signing: { keyFile: signingFile }, flush: { intervalSeconds: 1 } },
    logLevel: 'silent',
  };
  options.config?.(input);
  const config = validateSidecarConfig(input);
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, JSON.stringify(input, null, 2));
  await options.beforeStart?.(dir);
  const memory = options.recorder || options.realRecorder ? undefined : createMemoryRecorder();
  const recorder = options.recorder ?? memory;
  const registry = new Registry();
  const sidecar = await startSidecar({
    config,
    ...(options.configPath ? { configPath: configFile } : {}),
    logger: options.logSink
      ? createSidecarLogger('debug', new Writable({ write(chunk, _enc, cb) { options.logSink!.push(String(chunk)); cb(); } }))
      : pino({ level: 'silent' }),
    registry,
    ...(recorder ? { recorder } : {}),
    env: {},
    ...(options.now ? { now: options.now } : {}),
    ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    ...options.sidecar,
  });
  return {
    dir,
    issuer,
    emulator,
    sidecar,
    recorder,
    memory,
    tap,
    registry,
    config,
    configFile,
    mint: (over = {}) => issuer.mint({ ...POD_CLAIMS, ...over }),
    async connect(extra = {}) {
      const token = (extra.token as string | undefined) ?? (await issuer.mint(POD_CLAIMS));
      return connect({ accessUrl: sidecar.url, account: 'SNOWTRAIL', authenticator: 'OAUTH', token, ...extra });
    },
    async close() {
      await sidecar.close();
      await tap?.close();
      await emulator.close();
      await issuer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The value of one sample of a metric (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  return data.values.filter((v) => Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val)).reduce((a, v) => a + v.value, 0);
}
