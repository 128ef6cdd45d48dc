/** Public API of @snowtrail/catalog: the Parquet catalog of sessions and statements, its compaction and its queries. */
export { CATALOG_ERRORS, CatalogError } from './errors.js';
export { catalogRoot, manifestKey, partKey, namespacePartition, namespaceOfPartition, NO_NAMESPACE, type CatalogTable } from './catalog-layout.js';
export { CATALOG_VERSION, loadLatestManifest, type CatalogManifest, type ManifestPart, type ManifestPartition, type ManifestSession } from './manifest.js';
export { TABLE_COLUMNS } from './duck.js';
export { buildCatalog, type BuildCatalogOptions, type BuildCatalogReport } from './build.js';
export { openCatalog, queryCatalog, querySessions, type CatalogScope, type OpenCatalog } from './query.js';
export { listSessionsFromCatalog, traceFromCatalog, type TraceOptions } from './list-trace.js';
export { readIndexedSession, readIndexedSessions } from './index-source.js';
