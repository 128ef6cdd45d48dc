import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createKubeClients, kubeConfigForServer } from '../kube/kube-clients.js';
import { startKubeApiServer, type KubeApiServer } from '../testing/kube-api-server.js';
import { waitFor } from '../testing/wait-for.js';
import { startLeaderElection, type LeaderElection } from './leader-election.js';

describe('leader election through a coordination.k8s.io Lease', () => {
  let api: KubeApiServer;
  const running: LeaderElection[] = [];
  beforeEach(async () => {
    api = await startKubeApiServer();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
    await api.close();
  });
  const candidate = (identity: string, log: string[]) => {
    const e = startLeaderElection({
      clients: createKubeClients(kubeConfigForServer(api.url)),
      namespace: 'snowtrail-system',
      name: 'snowtrail-operator',
      identity,
      logger: pino({ level: 'silent' }),
      leaseDurationSeconds: 1,
      renewDeadlineSeconds: 0.8,
      retryPeriodSeconds: 0.05,
      onStartedLeading: () => log.push(`${identity}:start`),
      onStoppedLeading: () => log.push(`${identity}:stop`),
    });
    running.push(e);
    return e;
  };

  it('elects exactly one replica and hands over when the leader releases the lease', async () => {
    const log: string[] = [];
    const a = candidate('replica-a', log);
    await waitFor('a leads', () => a.isLeader());
    const b = candidate('replica-b', log);
    // b keeps campaigning but cannot take a lease a keeps renewing.
    await waitFor('b has tried a few times', () => api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/leases/snowtrail-operator')).length > 10);
    expect(b.isLeader()).toBe(false);
    expect(api.get('leases', 'snowtrail-system', 'snowtrail-operator')!.spec).toMatchObject({ holderIdentity: 'replica-a', leaseDurationSeconds: 1 });
    await a.stop();
    await waitFor('b leads', () => b.isLeader());
    expect(log).toEqual(['replica-a:start', 'replica-a:stop', 'replica-b:start']);
    expect(api.get('leases', 'snowtrail-system', 'snowtrail-operator')!.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });

  it('takes over a lease whose holder stopped renewing, only after the lease duration', async () => {
    api.create('leases', { metadata: { name: 'snowtrail-operator', namespace: 'snowtrail-system' }, spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: 1, renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 4 } });
    const log: string[] = [];
    const started = Date.now();
    const b = candidate('replica-b', log);
    await waitFor('b leads', () => b.isLeader());
    // Its own clock, not the stale renewTime, decides: it waited at least one lease duration.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(api.get('leases', 'snowtrail-system', 'snowtrail-operator')!.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 5 });
  });

  it('steps down when another replica has taken the lease', async () => {
    const log: string[] = [];
    const a = candidate('replica-a', log);
    await waitFor('a leads', () => a.isLeader());
    const lease = api.get('leases', 'snowtrail-system', 'snowtrail-operator')!;
    api.update('leases', { ...lease, spec: { ...(lease.spec as object), holderIdentity: 'usurper', leaseDurationSeconds: 60 } });
    await waitFor('a stepped down', () => !a.isLeader());
    expect(log).toEqual(['replica-a:start', 'replica-a:stop']);
  });
});
