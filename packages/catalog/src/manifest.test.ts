import { describe, expect, it } from '@jest/globals';
import { isRunId, makeRunId, namespaceOfPartition, namespacePartition, NO_NAMESPACE, partKey } from './catalog-layout.js';
import { checkManifest } from './manifest.js';
import { CATALOG_ERRORS } from './errors.js';
import { parseCatalogArgs } from './main.js';

const RUN = '20261206T120000123Z-9f3a1c2e';
const part = (key: string): { key: string; sha256: string; bytes: number; rows: number } => ({ key, sha256: 'a'.repeat(64), bytes: 10, rows: 1 });
function manifest(keys: [string, string]): unknown {
  return { version: 1, type: 'snowtrail.catalog.manifest', runId: RUN, previousRunId: null, builtAt: '2026-12-06T12:00:00.000Z', sessions: {}, partitions: [{ day: '2026-12-06', namespace: 'ns', sessions: part(keys[0]), statements: part(keys[1]) }] };
}

describe('catalog keys', () => {
  it('makes sortable run ids that never repeat for the same millisecond', () => {
    const a = makeRunId(Date.parse('2026-12-06T12:00:00.123Z'), '9f3a1c2e00');
    expect(a).toBe(RUN);
    expect(isRunId(a)).toBe(true);
    expect(makeRunId(Date.parse('2026-12-06T12:00:00.124Z'), '00000000') > a).toBe(true);
  });

  it('keeps a partition value inside its folder whatever the namespace claims to be', () => {
    expect(namespacePartition('pipelines')).toBe('pipelines');
    expect(namespacePartition(undefined)).toBe(NO_NAMESPACE);
    for (const hostile of ['../../v1/keys', 'a/b', 'x=y', '..']) {
      const v = namespacePartition(hostile);
      expect(v).not.toMatch(/[/=]|^\.\.?$/);
      expect(namespaceOfPartition(v)).toBe(hostile);
      expect(partKey('p/', 'sessions', '2026-12-06', v, RUN).split('/')).toHaveLength(7);
    }
  });
});

describe('checkManifest', () => {
  const key = `p/catalog/v1/manifests/${RUN}.json`;
  it('accepts a manifest whose parts live under the catalog', () => {
    expect(checkManifest(manifest(['p/catalog/v1/sessions/x.parquet', 'p/catalog/v1/statements/x.parquet']), key, 'p/').runId).toBe(RUN);
  });

  it('refuses a manifest that points readers at objects outside the catalog, or at another run id', () => {
    for (const bad of [
      manifest(['p/v1/sessions/2026-12-06/x/index/000001.json', 'p/catalog/v1/statements/x.parquet']),
      manifest(['p/catalog/v1/../../v1/keys/jwks.json', 'p/catalog/v1/statements/x.parquet']),
      { ...(manifest(['p/catalog/v1/a', 'p/catalog/v1/b']) as object), runId: '20261206T120000999Z-00000000' },
      { ...(manifest(['p/catalog/v1/a', 'p/catalog/v1/b']) as object), version: 2 },
      { type: 'snowtrail.index' },
    ]) {
      expect(() => checkManifest(bad, key, 'p/')).toThrow(expect.objectContaining({ code: CATALOG_ERRORS.manifest }));
    }
  });
});

describe('parseCatalogArgs', () => {
  it('reads build and query command lines and refuses malformed ones', () => {
    expect(parseCatalogArgs(['build', '--store', 'dir:/r', '--full'])).toEqual({ command: 'build', store: 'dir:/r', full: true });
    expect(parseCatalogArgs(['query', '--store', 's3://b/p', 'SELECT 1'])).toEqual({ command: 'query', store: 's3://b/p', full: false, sql: 'SELECT 1' });
    expect(() => parseCatalogArgs(['query', '--store', 'dir:/r'])).toThrow('usage');
    expect(() => parseCatalogArgs(['build'])).toThrow('usage');
  });
});
