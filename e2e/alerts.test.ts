/**
 * The chart's alert expressions, rendered with the default values, parsed by Prometheus' own PromQL
 * grammar and — where they are instant queries — evaluated over the series a cluster would have, to
 * check when they fire and that they name what is wrong.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { yamlSkeleton } from './chart-lib.js';
import { evaluatePromql, promqlSyntaxErrors, type Sample } from './promql-eval.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RELEASE_NS = 'snowtrail-system';

/** The PrometheusRule's alerts with the release namespace and the default thresholds filled in. */
function renderAlerts(): Map<string, string> {
  const values = parseYaml(readFileSync(join(root, 'charts/snowtrail/values.yaml'), 'utf8')) as { metrics: { prometheusRule: { thresholds: Record<string, number> } } };
  const thresholds = values.metrics.prometheusRule.thresholds;
  const template = readFileSync(join(root, 'charts/snowtrail/templates/prometheusrule.yaml'), 'utf8')
    .replaceAll('{{ .Release.Namespace }}', RELEASE_NS)
    .replace(/\{\{ \$t\.([A-Za-z0-9]+) \}\}/g, (_m, name: string) => {
      if (thresholds[name] === undefined) throw new Error(`unknown threshold ${name}`);
      return String(thresholds[name]);
    });
  const doc = parseAllDocuments(yamlSkeleton(template))[0]!.toJS() as { spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
  return new Map(doc.spec.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr.trim()]));
}

const alerts = renderAlerts();
const expr = (name: string): string => alerts.get(name) ?? `missing alert ${name}`;
const series = (name: string, labels: Record<string, string>, value: number): Sample => ({ labels: { __name__: name, ...labels }, value });
/** What Prometheus attaches to the operator's own metrics (ServiceMonitor target labels). */
const operatorTarget = (pod: string): Record<string, string> => ({ namespace: RELEASE_NS, pod, job: 'snowtrail' });

describe('alert expressions', () => {
  it('finds the alerts', () => {
    expect(alerts.size).toBeGreaterThan(10);
  });

  it.each([...alerts])('%s is valid PromQL', (_name, text) => {
    expect(promqlSyntaxErrors(text)).toEqual([]);
  });
});

describe('SnowtrailOperatorNoLeader', () => {
  const buildInfo = (pod: string): Sample => series('snowtrail_build_info', { component: 'operator', version: '0.1.0', ...operatorTarget(pod) }, 1);
  const leader = (pod: string, v: number): Sample => series('snowtrail_operator_is_leader', operatorTarget(pod), v);
  const sidecarOnly = [series('snowtrail_build_info', { component: 'sidecar', version: '0.1.0', namespace: 'pipelines', pod: 'etl-1' }, 1)];

  it('stays silent when the operator is not scraped (PrometheusRule on, ServiceMonitor off)', () => {
    expect(evaluatePromql(expr('SnowtrailOperatorNoLeader'), sidecarOnly)).toEqual([]);
    // What the former absent()-based rule did in the same situation: it fired.
    expect(evaluatePromql('max(snowtrail_operator_is_leader) < 1 or absent(snowtrail_operator_is_leader)', sidecarOnly)).toHaveLength(1);
  });

  it('stays silent while one replica leads', () => {
    expect(evaluatePromql(expr('SnowtrailOperatorNoLeader'), [...sidecarOnly, buildInfo('op-a'), buildInfo('op-b'), leader('op-a', 1), leader('op-b', 0)])).toEqual([]);
  });

  it('fires when the operator is scraped and no replica leads', () => {
    expect(evaluatePromql(expr('SnowtrailOperatorNoLeader'), [buildInfo('op-a'), buildInfo('op-b'), leader('op-a', 0), leader('op-b', 0)])).toHaveLength(1);
  });

  it('fires when the operator is scraped but exports no leader gauge', () => {
    expect(evaluatePromql(expr('SnowtrailOperatorNoLeader'), [buildInfo('op-a')])).toHaveLength(1);
  });
});

describe('alerts name the policy', () => {
  // honorLabels keeps the policy's namespace on these series (the ServiceMonitor sets it).
  const policy = (ns: string, name: string, status: string, v: number): Sample => series('snowtrail_operator_policies', { namespace: ns, policy: name, condition: 'Ready', status, pod: 'op-a', job: 'snowtrail' }, v);

  it('SnowtrailPolicyNotReady fires once per not-Ready policy, with its namespace and name', () => {
    const out = evaluatePromql(expr('SnowtrailPolicyNotReady'), [
      policy('pipelines', 'etl', 'True', 0), policy('pipelines', 'etl', 'False', 1), policy('pipelines', 'etl', 'Unknown', 0),
      policy('bi', 'reports', 'True', 1), policy('bi', 'reports', 'False', 0), policy('bi', 'reports', 'Unknown', 0),
    ]);
    expect(out).toEqual([{ labels: { namespace: 'pipelines', policy: 'etl' }, value: 1 }]);
  });

  it('SnowtrailUninjectedPods says which namespace and policy', () => {
    const out = evaluatePromql(expr('SnowtrailUninjectedPods'), [series('snowtrail_operator_uninjected_pods', { namespace: 'bi', policy: 'reports', pod: 'op-a', job: 'snowtrail' }, 2)]);
    expect(out).toEqual([{ labels: { namespace: 'bi', policy: 'reports' }, value: 2 }]);
    expect(evaluatePromql(expr('SnowtrailUninjectedPods'), [])).toEqual([]);
  });
});

describe('the evaluator refuses what it does not know', () => {
  it('throws on range functions instead of guessing', () => {
    expect(() => evaluatePromql('sum(rate(snowtrail_sidecar_logins_total[5m])) > 0', [])).toThrow(/unsupported/);
    expect(() => evaluatePromql('max(snowtrail_x{', [])).toThrow(/syntax error/);
  });
});
