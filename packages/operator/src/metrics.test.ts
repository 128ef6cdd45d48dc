import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createOperatorMetrics, setPolicyGauge, setUninjectedGauge } from './metrics.js';

describe('operator metrics', () => {
  it('start every counter at 0 for each known label set', async () => {
    const registry = new Registry();
    createOperatorMetrics(registry, { defaultMetrics: false });
    const text = await registry.metrics();
    expect(text).toContain('snowtrail_operator_admissions_total{result="error",reason="internal_error"} 0');
    expect(text).toContain('snowtrail_operator_admissions_total{result="denied",reason="policy_not_ready"} 0');
    expect(text).toContain('snowtrail_operator_reconciles_total{result="error"} 0');
    expect(text).toContain('snowtrail_operator_is_leader 0');
  });

  it('label the policy gauge by namespace and policy, and drop a policy that went', async () => {
    const registry = new Registry();
    const m = createOperatorMetrics(registry, { defaultMetrics: false });
    setPolicyGauge(m.policies, [{ namespace: 'a', policy: 'etl', ready: 'False' }, { namespace: 'b', policy: 'bi', ready: undefined }]);
    let text = await registry.metrics();
    expect(text).toContain('snowtrail_operator_policies{namespace="a",policy="etl",condition="Ready",status="False"} 1');
    expect(text).toContain('snowtrail_operator_policies{namespace="a",policy="etl",condition="Ready",status="True"} 0');
    expect(text).toContain('snowtrail_operator_policies{namespace="b",policy="bi",condition="Ready",status="Unknown"} 1');
    setPolicyGauge(m.policies, [{ namespace: 'b', policy: 'bi', ready: 'True' }]);
    text = await registry.metrics();
    expect(text).not.toContain('policy="etl"');
    expect(text.match(/^snowtrail_operator_policies\{/gm)).toHaveLength(3);
  });

  it('count uninjected pods per namespace and policy', async () => {
    const registry = new Registry();
    const m = createOperatorMetrics(registry, { defaultMetrics: false });
    setUninjectedGauge(m.uninjectedPods, [{ namespace: 'a', policy: 'etl' }, { namespace: 'a', policy: 'etl' }, { namespace: 'b', policy: 'etl' }]);
    const text = await registry.metrics();
    expect(text).toContain('snowtrail_operator_uninjected_pods{namespace="a",policy="etl"} 2');
    expect(text).toContain('snowtrail_operator_uninjected_pods{namespace="b",policy="etl"} 1');
    setUninjectedGauge(m.uninjectedPods, []);
    expect(await registry.metrics()).not.toMatch(/^snowtrail_operator_uninjected_pods\{/m);
  });
});
