/**
 * The world the driver suite runs in: a token issuer (kube-apiserver claims), the emulator as
 * Snowflake with a key-pair user, and the real sidecar in front of it recording to a directory
 * store under the suite's policy. A driver connects either directly (key-pair JWT) or through the
 * sidecar (OAuth, a pod token from the issuer).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { validateSidecarConfig } from '@snowtrail/config';
import { startTokenIssuer, type MintClaims, type TokenIssuerHandle } from '@snowtrail/devkit';
import { startEmulator, type EmulatorHandle } from '@snowtrail/emulator';
import { startSidecar, type SidecarHandle } from '@snowtrail/sidecar';
import { SUITE_POLICY } from './policy.js';

/** The pod the sidecar runs in. */
export const POD_UID = '3d0c7f5e-2b1a-4e9d-8c6f-5a4b3c2d1e0f';
const POD: MintClaims = { namespace: 'pipelines', podName: 'drivers-0', podUid: POD_UID, serviceAccount: 'etl', nodeName: 'node-1' };

/** The Snowflake user every driver logs in as (directly with its key, through the sidecar by the sidecar's key). */
export const SUITE_USER = 'SVC_DRIVERS';
/** The account name. */
export const SUITE_ACCOUNT = 'SNOWTRAIL';

/** A running suite world. */
export interface SuiteStack {
  dir: string;
  privateKeyFile: string;
  issuer: TokenIssuerHandle;
  emulator: EmulatorHandle;
  sidecar: SidecarHandle;
  storeDir: string;
  mint(): Promise<string>;
  /** Stops the sidecar (ending and flushing its sessions) but keeps the recording. */
  stopSidecar(): Promise<void>;
  close(): Promise<void>;
}

/** Starts issuer, emulator and sidecar; `databases` are created empty (one per driver run); `redact`: recording.redact patterns. */
export async function startSuiteStack(databases: string[], options: { redact?: string[] } = {}): Promise<SuiteStack> {
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-drivers-'));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyFile = join(dir, 'snowflake-key.p8');
  await writeFile(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingFile = join(dir, 'signing.pem');
  await writeFile(signingFile, signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const issuer = await startTokenIssuer();
  const emulator = await startEmulator({
    account: SUITE_ACCOUNT,
    users: [{ name: SUITE_USER, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    initSql: databases.map((d) => `CREATE DATABASE ${d};`).join(' '),
    // Small inline part and chunks so that the large cases cross several chunks.
    chunking: { inlineRows: 1000, rowsPerChunk: 50000 },
  });
  const storeDir = join(dir, 'store');
  const config = validateSidecarConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    identity: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, podUid: POD_UID, allowedSubjects: ['system:serviceaccount:pipelines:etl'], clockSkewSeconds: 5 },
    upstream: { url: emulator.url, account: SUITE_ACCOUNT, user: SUITE_USER, auth: { type: 'keypair', privateKeyFile } },
    policy: SUITE_POLICY,
    recording: { spoolDir: join(dir, 'spool'), store: { type: 'dir', path: storeDir }, signing: { keyFile: signingFile }, flush: { intervalSeconds: 1 }, redact: options.redact ?? [] },
    logLevel: 'silent',
  });
  const sidecar = await startSidecar({ config, logger: pino({ level: 'silent' }), registry: new Registry(), env: {} });
  let sidecarOpen = true;
  const stopSidecar = async (): Promise<void> => {
    if (!sidecarOpen) return;
    sidecarOpen = false;
    await sidecar.close();
  };
  return {
    dir,
    privateKeyFile,
    issuer,
    emulator,
    sidecar,
    storeDir,
    mint: () => issuer.mint(POD),
    stopSidecar,
    async close() {
      await stopSidecar();
      await emulator.close();
      await issuer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
