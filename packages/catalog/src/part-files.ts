/**
 * Makes catalog parts readable by DuckDB as local files: a directory store's files are read in
 * place, an S3 store's parts are downloaded (bounded concurrency) under the same relative keys, so
 * Hive partition paths keep working. Every part is checked against the SHA-256 its manifest names.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex, type ObjectStore } from '@snowtrail/recording';
import { mapLimit } from './concurrency.js';
import { CATALOG_ERRORS, CatalogError } from './errors.js';
import type { ManifestPart } from './manifest.js';

/** Downloads in flight when fetching parts from S3. */
export const PART_FETCH_CONCURRENCY = 16;

/** The local root of a directory store (its description is `dir:<root>`), or undefined for S3. */
export function localRootOf(store: ObjectStore): string | undefined {
  return store.description.startsWith('dir:') ? store.description.slice(4) : undefined;
}

/** Local paths of the parts, in order; throws SNOWTRAIL_ERR_CATALOG_MANIFEST when one is missing or altered. */
export async function fetchParts(store: ObjectStore, parts: readonly ManifestPart[], scratchDir: string): Promise<string[]> {
  const root = localRootOf(store);
  return mapLimit(parts, PART_FETCH_CONCURRENCY, async (part) => {
    const body = await store.get(part.key);
    if (!body) throw new CatalogError(CATALOG_ERRORS.manifest, `catalog part ${part.key} named by the manifest is missing`);
    if (sha256Hex(body) !== part.sha256) throw new CatalogError(CATALOG_ERRORS.manifest, `catalog part ${part.key} does not match the SHA-256 in the manifest (altered)`);
    if (root !== undefined) return join(root, ...part.key.split('/'));
    const path = join(scratchDir, 'parts', ...part.key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    return path;
  });
}
