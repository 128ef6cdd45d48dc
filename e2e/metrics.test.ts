import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractMetricNames } from './chart-lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(p);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [p] : [];
  });
}

/** Every metric the code registers (`name: 'snowtrail_…'` in a prom-client constructor), with its label names. */
function registeredMetrics(): Map<string, Set<string>> {
  const metrics = new Map<string, Set<string>>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    let files: string[];
    try {
      files = sourceFiles(join(root, 'packages', pkg, 'src'));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name: '(snowtrail_[a-z0-9_]+)'([\s\S]*?)\}\)/g)) {
        const labels = /labelNames: \[([^\]]*)\]/.exec(m[2]!)?.[1] ?? '';
        const set = metrics.get(m[1]!) ?? new Set<string>();
        for (const l of labels.matchAll(/'([a-z_]+)'/g)) set.add(l[1]!);
        metrics.set(m[1]!, set);
      }
    }
  }
  return metrics;
}

const code = registeredMetrics();
const rules = read('charts/snowtrail/templates/prometheusrule.yaml');
const dashboard = read('charts/snowtrail/files/dashboards/snowtrail.json');
const doc = read('docs/metrics.md');
const documented = [...doc.matchAll(/^\| `(snowtrail_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
// Labels Prometheus attaches from the scrape target, not the code (`policy`: the PodMonitor's relabeling).
const TARGET_LABELS = new Set(['namespace', 'pod', 'job', 'instance', 'container', 'le', 'policy']);

/** `metric{label="v", other=~"x"}` selectors in PromQL text: metric → label names used. */
function selectorLabels(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of text.matchAll(/(snowtrail_[a-z0-9_]+)\{([^}]*)\}/g)) {
    const metric = m[1]!.replace(/_(bucket|sum|count)$/, '');
    for (const l of m[2]!.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) out.push([metric, l[1]!]);
  }
  return out;
}

describe('metric names: code, alerts, dashboard and docs agree', () => {
  it('finds the metrics the code registers', () => {
    // The contract has 29 names; fewer means the scan is broken, not that the code is done.
    expect(code.size).toBeGreaterThanOrEqual(29);
  });

  it.each(extractMetricNames(rules))('alert metric %s is registered by the code', (name) => {
    expect([...code.keys()]).toContain(name);
  });

  it.each(extractMetricNames(dashboard))('dashboard metric %s is registered by the code', (name) => {
    expect([...code.keys()]).toContain(name);
  });

  it('docs/metrics.md documents exactly the registered metrics', () => {
    expect([...new Set(documented)].sort()).toEqual([...code.keys()].sort());
  });

  it('alerts and dashboard filter only on labels the metric has', () => {
    const unknown = [...selectorLabels(rules), ...selectorLabels(dashboard)]
      .filter(([metric, label]) => !TARGET_LABELS.has(label) && !code.get(metric)?.has(label))
      .map(([metric, label]) => `${metric}{${label}}`);
    expect(unknown).toEqual([]);
  });

  it('docs/metrics.md lists each metric with the labels the code gives it', () => {
    for (const [name, labels] of code) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`)) ?? '';
      const labelCell = row.split(/(?<!\\)\|/)[3] ?? ''; // cells may hold escaped pipes (`a`\|`b`)
      for (const label of labels) expect({ name, mentions: labelCell.includes(`\`${label}\``) }).toEqual({ name, mentions: true });
      if (labels.size === 0) expect({ name, cell: labelCell.trim() }).toEqual({ name, cell: '—' });
    }
  });
});
