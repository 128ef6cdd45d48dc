import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  checkTemplateBlocks,
  coalesceValues,
  extractValuesPaths,
  hasValuesPath,
  headingAnchor,
  leafValuesPaths,
  yamlSkeleton,
  type Json,
} from './chart-lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chart = join(root, 'charts/snowtrail');
const fixtures = join(root, 'e2e/chart-fixtures');
// ajv-formats is CommonJS with a default export; under native ESM the function is the module itself.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const read = (p: string): string => readFileSync(p, 'utf8');
const templateFiles = readdirSync(join(chart, 'templates')).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f));
const templates = new Map(templateFiles.map((f) => [f, read(join(chart, 'templates', f))]));
const defaults = parseYaml(read(join(chart, 'values.yaml'))) as Json;

function compileSchema(): (v: unknown) => { ok: boolean; errors: ErrorObject[] } {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(read(join(chart, 'values.schema.json'))) as object);
  return (v) => ({ ok: validate(v), errors: validate.errors ?? [] });
}
const validateValues = compileSchema();

function valuesFiles(dir: string): string[] {
  return readdirSync(join(fixtures, dir)).filter((f) => f.endsWith('.yaml')).sort();
}

describe('chart templates read only declared values', () => {
  const used = new Set([...templates.values()].flatMap(extractValuesPaths));

  it('finds the values the templates read', () => {
    // Guards the extractor itself: these are read by the deployment and webhook for sure.
    expect(used).toContain('webhook.failurePolicy');
    expect(used).toContain('operator.replicas');
  });

  it.each(templateFiles)('%s reads only keys that exist in values.yaml', (file) => {
    const missing = extractValuesPaths(templates.get(file)!).filter((p) => !hasValuesPath(defaults, p));
    expect(missing).toEqual([]);
  });

  it('uses every key declared in values.yaml (no dead knobs)', () => {
    const usedList = [...used];
    const unused = leafValuesPaths(defaults).filter((leaf) => !usedList.some((p) => leaf === p || leaf.startsWith(`${p}.`)));
    expect(unused).toEqual([]);
  });

  it.each(templateFiles)('%s has balanced template blocks', (file) => {
    expect(checkTemplateBlocks(templates.get(file)!)).toEqual([]);
  });

  it.each(templateFiles.filter((f) => f.endsWith('.yaml')))('%s is well-formed YAML around its actions, each object with apiVersion and kind', (file) => {
    const docs = parseAllDocuments(yamlSkeleton(templates.get(file)!));
    expect(docs.flatMap((d) => d.errors.map((e) => e.message.split('\n')[0]))).toEqual([]);
    for (const d of docs) {
      const obj = d.toJS() as { apiVersion?: unknown; kind?: unknown } | null;
      if (obj === null) continue; // an empty document between conditionals
      expect({ apiVersion: typeof obj.apiVersion, kind: typeof obj.kind }).toEqual({ apiVersion: 'string', kind: 'string' });
    }
  });
});

describe('values.schema.json', () => {
  it('accepts the default values.yaml', () => {
    const { ok, errors } = validateValues(defaults);
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(valuesFiles('good-values'))('accepts good-values/%s merged over the defaults', (file) => {
    const merged = coalesceValues(defaults, parseYaml(read(join(fixtures, 'good-values', file))) as Json);
    expect(validateValues(merged).errors).toEqual([]);
  });

  it.each(valuesFiles('bad-values'))('rejects bad-values/%s for the stated reason', (file) => {
    const text = read(join(fixtures, 'bad-values', file));
    const expectation = /^# rejects: (\S+) (\S+)/.exec(text);
    expect(expectation).not.toBeNull();
    const [, path, keyword] = expectation!;
    const instancePath = path === '""' ? '' : path!;
    const { ok, errors } = validateValues(coalesceValues(defaults, parseYaml(text) as Json));
    expect(ok).toBe(false);
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`)).toContain(`${instancePath} ${keyword}`);
  });
});

describe('chart CRDs', () => {
  const source = join(root, 'crds');
  const copy = join(chart, 'crds');
  const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : []);

  it('ships at least one CRD', () => {
    expect(list(source).length).toBeGreaterThan(0);
  });

  it('are identical to crds/ (run scripts/sync-chart-crds.sh after editing crds/)', () => {
    expect(list(copy)).toEqual(list(source));
    for (const f of list(source)) expect({ file: f, text: read(join(copy, f)) }).toEqual({ file: f, text: read(join(source, f)) });
  });
});

describe('alerts and dashboard', () => {
  const rules = templates.get('prometheusrule.yaml')!;
  const alerts = [...rules.matchAll(/- alert: (\S+)/g)].map((m) => m[1]!);
  const runbook = read(join(root, 'docs/runbook.md'));
  const anchors = new Set([...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => headingAnchor(m[1]!)));

  it('covers the alerts the issue asks for, each named once', () => {
    expect(new Set(alerts).size).toBe(alerts.length);
    for (const required of [
      'SnowtrailRecordingBacklogGrowing',
      'SnowtrailRecordingUploadFailures',
      'SnowtrailSpoolNearFull',
      'SnowtrailAuthFailureSpike',
      'SnowtrailStatementsDenied',
      'SnowtrailUninjectedPods',
      'SnowtrailWebhookErrors',
      'SnowtrailWebhookSlow',
    ]) {
      expect(alerts).toContain(required);
    }
  });

  it('gives every alert an expression, a severity and its texts', () => {
    const rule = parseAllDocuments(yamlSkeleton(rules))[0]!.toJS() as {
      spec: { groups: { rules: { alert: string; expr: string; labels: { severity: string }; annotations: Record<string, string> }[] }[] };
    };
    const parsed = rule.spec.groups.flatMap((g) => g.rules);
    expect(parsed.map((r) => r.alert)).toEqual(alerts);
    for (const r of parsed) {
      expect(r.expr).toMatch(/snowtrail_/);
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(Object.keys(r.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    }
  });

  it.each(alerts)('%s links an existing section of docs/runbook.md', (alert) => {
    const block = rules.slice(rules.indexOf(`- alert: ${alert}\n`)).split(/\n\s+- alert: /)[0]!;
    const url = /runbook_url: \{\{ \$runbook \}\}#(\S+)/.exec(block);
    expect(url?.[1]).toBe(alert.toLowerCase());
    expect(anchors).toContain(alert.toLowerCase());
  });

  it('has a dashboard whose panels all query something', () => {
    const dash = JSON.parse(read(join(chart, 'files/dashboards/snowtrail.json'))) as {
      uid: string;
      panels: { id: number; type: string; targets?: { expr: string }[] }[];
    };
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = dash.panels.filter((p) => p.type !== 'row');
    expect(queries.length).toBeGreaterThan(10);
    for (const p of queries) expect(p.targets?.every((t) => t.expr.includes('snowtrail_'))).toBe(true);
  });
});
