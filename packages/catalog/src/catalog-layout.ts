/**
 * Object keys of the catalog (see docs/catalog.md): Hive-style partitions by creation day and
 * namespace, one Parquet part per partition per run, and one manifest per run. Every key embeds the
 * run id, so no run ever writes a key another run wrote (Object Lock buckets refuse overwrites).
 */

/** The two tables of the catalog. */
export type CatalogTable = 'sessions' | 'statements';

/** Partition value of sessions without a namespace (auth failures): Hive's name for NULL. */
export const NO_NAMESPACE = '__HIVE_DEFAULT_PARTITION__';

/** Root of the catalog under the store prefix. */
export function catalogRoot(prefix: string): string {
  return `${prefix}catalog/v1/`;
}

/** Prefix of the run manifests. */
export function manifestsPrefix(prefix: string): string {
  return `${catalogRoot(prefix)}manifests/`;
}

/** Key of the manifest written by run `runId`. */
export function manifestKey(prefix: string, runId: string): string {
  return `${manifestsPrefix(prefix)}${runId}.json`;
}

/** Run id: start time (UTC, sortable to the millisecond) and 32 random bits, so ids never repeat. */
export function makeRunId(now: number, randomHex: string): string {
  const iso = new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${iso}-${randomHex.slice(0, 8)}`;
}

/** Whether a string has the shape of a run id. */
export function isRunId(s: string): boolean {
  return /^\d{8}T\d{9}Z-[0-9a-f]{8}$/.test(s);
}

/** The partition value of a namespace: DNS labels as they are, anything else percent-encoded. */
export function namespacePartition(namespace: string | undefined): string {
  if (namespace === undefined || namespace === '') return NO_NAMESPACE;
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return namespace;
  return encodeURIComponent(namespace).replace(/\./g, '%2E');
}

/** The namespace a partition value stands for (undefined for NO_NAMESPACE). */
export function namespaceOfPartition(value: string): string | undefined {
  return value === NO_NAMESPACE ? undefined : decodeURIComponent(value);
}

/** Key of the Parquet part of one table partition written by run `runId`. */
export function partKey(prefix: string, table: CatalogTable, day: string, namespace: string, runId: string): string {
  return `${catalogRoot(prefix)}${table}/day=${day}/namespace=${namespace}/part-${runId}.parquet`;
}
