import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Namespace, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'e2e/manifests');

// What e2e/run.sh substitutes before applying.
const PLACEHOLDERS: Record<string, string> = {
  __IMAGE__: 'ghcr.io/snowtrail/snowtrail:e2e',
  __PIPELINE_IMAGE__: 'snowtrail-e2e-pipeline:e2e',
  __MINIO_IMAGE__: 'quay.io/minio/minio:latest',
  __MC_IMAGE__: 'quay.io/minio/mc:latest',
};

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Pod': Pod,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
};

const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => {
    let text = readFileSync(join(dir, file), 'utf8');
    for (const [k, v] of Object.entries(PLACEHOLDERS)) text = text.replaceAll(k, v);
    return parseAllDocuments(text).map((d) => {
      const obj = d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } };
      return [`${file}: ${obj.kind}/${obj.metadata.name}`, obj] as const;
    });
  });

describe('e2e manifests are valid Kubernetes objects', () => {
  it('covers the objects the suite applies', () => {
    expect(docs.length).toBeGreaterThanOrEqual(10);
  });

  it.each(docs.filter(([, o]) => o.kind !== 'SnowflakeAccessPolicy'))('%s validates against the Kubernetes schema', (_name, obj) => {
    const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model!(obj as never).validate()).not.toThrow();
  });

  it('leaves no placeholder unsubstituted', () => {
    for (const [name, obj] of docs) expect({ name, leftover: /__[A-Z_]+__/.test(JSON.stringify(obj)) }).toEqual({ name, leftover: false });
  });
});
