/**
 * The catalog manifest: one object per run naming the Parquet part of every partition and the
 * index fingerprint of every session it covers. Readers use only the parts the newest manifest
 * names; a run that crashed before its manifest leaves parts nobody reads.
 */
import { sha256Hex, type ObjectStore } from '@snowtrail/recording';
import { isRunId, manifestKey, manifestsPrefix } from './catalog-layout.js';
import { CATALOG_ERRORS, CatalogError } from './errors.js';
import type { IndexFingerprint } from './rows.js';

/** Version of the manifest and Parquet layout. */
export const CATALOG_VERSION = 1;

/** One Parquet part named by a manifest. */
export interface ManifestPart {
  key: string;
  sha256: string;
  bytes: number;
  rows: number;
}

/** One partition (creation day × namespace) and its current parts. */
export interface ManifestPartition {
  day: string;
  namespace: string;
  sessions: ManifestPart;
  statements: ManifestPart;
}

/** What the catalog covers of one session. */
export interface ManifestSession extends IndexFingerprint {
  day: string;
  namespace: string;
}

/** The manifest object. */
export interface CatalogManifest {
  version: number;
  type: 'snowtrail.catalog.manifest';
  runId: string;
  previousRunId: string | null;
  builtAt: string;
  partitions: ManifestPartition[];
  sessions: Record<string, ManifestSession>;
}

function isPart(p: unknown): p is ManifestPart {
  const o = p as ManifestPart;
  return typeof o === 'object' && o !== null && typeof o.key === 'string' && /^[0-9a-f]{64}$/.test(o.sha256) && Number.isInteger(o.bytes) && Number.isInteger(o.rows);
}

/** Checks a parsed manifest's shape; throws SNOWTRAIL_ERR_CATALOG_MANIFEST naming the key (pure). */
export function checkManifest(value: unknown, key: string, prefix: string): CatalogManifest {
  const m = value as CatalogManifest;
  const bad = (why: string): never => {
    throw new CatalogError(CATALOG_ERRORS.manifest, `catalog manifest ${key}: ${why}`);
  };
  if (typeof m !== 'object' || m === null || m.type !== 'snowtrail.catalog.manifest') bad('not a catalog manifest');
  if (m.version !== CATALOG_VERSION) bad(`unsupported version ${String(m.version)}`);
  if (!isRunId(m.runId) || !key.endsWith(`/${m.runId}.json`)) bad('run id does not match its key');
  if (!Array.isArray(m.partitions) || typeof m.sessions !== 'object' || m.sessions === null) bad('missing partitions or sessions');
  for (const p of m.partitions) {
    if (!isPart(p?.sessions) || !isPart(p?.statements)) bad('a partition names no valid part');
    // Parts must live under this store's catalog: a manifest cannot point a reader elsewhere.
    for (const part of [p.sessions, p.statements]) if (!part.key.startsWith(`${prefix}catalog/v1/`) || part.key.includes('..')) bad(`part key ${part.key} is outside the catalog`);
  }
  return m;
}

/** The newest manifest of the store, or undefined when no run finished yet. */
export async function loadLatestManifest(store: ObjectStore): Promise<CatalogManifest | undefined> {
  const keys = (await store.list(manifestsPrefix(store.prefix)))
    .map((o) => o.key)
    .filter((k) => isRunId(k.slice(manifestsPrefix(store.prefix).length).replace(/\.json$/, '')))
    .sort();
  const key = keys.at(-1);
  if (key === undefined) return undefined;
  const body = await store.get(key);
  if (!body) throw new CatalogError(CATALOG_ERRORS.manifest, `catalog manifest ${key} was listed but cannot be read`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CatalogError(CATALOG_ERRORS.manifest, `catalog manifest ${key} is not JSON`, { cause: err });
  }
  return checkManifest(parsed, key, store.prefix);
}

/** Writes a run's manifest under its own new key. */
export async function writeManifest(store: ObjectStore, manifest: CatalogManifest): Promise<string> {
  const key = manifestKey(store.prefix, manifest.runId);
  const body = Buffer.from(JSON.stringify(manifest));
  await store.put(key, body, { contentType: 'application/json', sha256: sha256Hex(body) });
  return key;
}
