/**
 * charts/snowtrail-crds: the CRDs as templates, so `helm upgrade` applies schema changes that Helm
 * never applies from a chart's crds/ directory. Checked without helm, like the main chart (ADR 0052).
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { checkTemplateBlocks, extractValuesPaths, hasValuesPath, leafValuesPaths, type Json } from './chart-lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chart = join(root, 'charts/snowtrail-crds');
const read = (p: string): string => readFileSync(p, 'utf8');
const yamls = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('the CRD chart', () => {
  const template = read(join(chart, 'templates/crds.yaml'));
  const values = parseYaml(read(join(chart, 'values.yaml'))) as Json;

  it('carries exactly the CRDs of crds/ (scripts/sync-chart-crds.sh)', () => {
    expect(yamls(join(chart, 'files/crds'))).toEqual(yamls(join(root, 'crds')));
    for (const f of yamls(join(root, 'crds'))) expect({ f, text: read(join(chart, 'files/crds', f)) }).toEqual({ f, text: read(join(root, 'crds', f)) });
  });

  it('is released with the main chart (same version and appVersion)', () => {
    const mine = parseYaml(read(join(chart, 'Chart.yaml'))) as { version: string; appVersion: string; name: string };
    const main = parseYaml(read(join(root, 'charts/snowtrail/Chart.yaml'))) as { version: string; appVersion: string };
    expect(mine.name).toBe('snowtrail-crds');
    expect([mine.version, mine.appVersion]).toEqual([main.version, main.appVersion]);
  });

  it('renders the CRD files as templates and keeps them on uninstall by default', () => {
    expect(checkTemplateBlocks(template)).toEqual([]);
    expect(template).toContain('.Files.Glob "files/crds/*.yaml"');
    expect(template).toContain('"helm.sh/resource-policy" "keep"');
    expect(values).toEqual({ keep: true });
  });

  it('reads only declared values and declares none it does not read', () => {
    const used = extractValuesPaths(template);
    expect(used.filter((p) => !hasValuesPath(values, p))).toEqual([]);
    expect(leafValuesPaths(values).filter((p) => !used.includes(p))).toEqual([]);
  });
});
