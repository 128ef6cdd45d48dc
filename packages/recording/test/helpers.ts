/** Test helpers: a recording config, a signing key on disk, a silent logger. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { SidecarConfig } from '@snowtrail/config';
import type { SessionStartInfo } from '../src/recorder-api.js';
import { nodeSpoolFs, type SpoolFs } from '../src/spool-fs.js';

/** A fresh scratch folder. */
export async function scratch(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `snowtrail-${name}-`));
}

/** Writes a new EC P-256 private key (PKCS#8 PEM) and returns its path. */
export async function writeSigningKey(dir: string, name = 'signing.pem'): Promise<string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const path = join(dir, name);
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return path;
}

/** A recording config with small defaults for tests. */
export function recordingConfig(overrides: Partial<SidecarConfig['recording']> & Pick<SidecarConfig['recording'], 'spoolDir' | 'store' | 'signing'>): SidecarConfig['recording'] {
  return {
    mode: 'required',
    spoolMaxBytes: 64 * 1024 * 1024,
    flush: { intervalSeconds: 0.2, maxBytes: 256 * 1024 },
    redact: [],
    ...overrides,
  };
}

/** A logger that prints nothing. */
export const silent = pino({ level: 'silent' });

/** A typical session start. */
export function startInfo(pod = 'etl-7d9f', namespace = 'pipelines', serviceAccount = 'etl'): SessionStartInfo {
  return {
    identity: { subject: `system:serviceaccount:${namespace}:${serviceAccount}`, namespace, podName: pod, podUid: `uid-${pod}`, serviceAccount, nodeName: 'node-1' },
    policy: { name: 'etl-policy', generation: 3 },
    snowflake: { account: 'SNOWTRAIL', user: 'ETL_BOT', role: 'ETL', warehouse: 'WH' },
    client: { app: 'JavaScript', version: '3.3.0', address: '127.0.0.1' },
  };
}

/** The real file layer, except that each file fdatasync waits until the test ends it (ok or failed). */
export function heldSyncs(): { fs: SpoolFs; syncs: { end(err?: Error): void }[] } {
  const syncs: { end(err?: Error): void }[] = [];
  const fs: SpoolFs = {
    ...nodeSpoolFs,
    async open(path, flags) {
      const h = await nodeSpoolFs.open(path, flags);
      if (flags !== 'a') return h;
      return {
        ...h,
        datasync: async () => {
          await new Promise<void>((resolve, reject) => syncs.push({ end: (err) => (err ? reject(err) : resolve()) }));
          await h.datasync();
        },
      };
    },
  };
  return { fs, syncs };
}

