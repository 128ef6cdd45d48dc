import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { requireOption } from '../errors.js';
import { apiStatus, type KubeClients } from '../kube/kube-clients.js';

/** Options of Lease-based leader election (client-go's leaderelection, reduced). */
export interface LeaderElectionOptions {
  clients: KubeClients;
  namespace: string;
  /** Lease name, shared by all replicas. */
  name: string;
  /** This replica's identity (pod name). */
  identity: string;
  logger: Logger;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  now?: () => Date;
}

/** A running election. */
export interface LeaderElection {
  isLeader(): boolean;
  /** Stops campaigning and, when leading, releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
}

/**
 * Campaigns for a coordination.k8s.io/v1 Lease. A holder's Lease counts as expired when this
 * replica has not seen it change for leaseDuration on its OWN clock (client-go's rule: no trust in
 * the holder's clock). A leader that cannot renew within renewDeadline steps down.
 */
export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const clients = requireOption(options.clients, 'clients', 'startLeaderElection');
  const log = requireOption(options.logger, 'logger', 'startLeaderElection').child({ component: 'leader-election', lease: `${options.namespace}/${options.name}`, identity: options.identity });
  const leaseSeconds = options.leaseDurationSeconds ?? 15;
  const renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
  const retryMs = (options.retryPeriodSeconds ?? 2) * 1000;
  const now = options.now ?? (() => new Date());
  const { namespace, name, identity } = options;
  let leading = false;
  let stopped = false;
  let lastRenew = 0;
  let observed: { key: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const spec = (prev: V1Lease | undefined, takeover: boolean) => {
    const t = new V1MicroTime(now().getTime());
    return {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: takeover || !prev?.spec?.acquireTime ? t : prev.spec.acquireTime,
      renewTime: t,
      leaseTransitions: (prev?.spec?.leaseTransitions ?? 0) + (takeover && prev ? 1 : 0),
    };
  };

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let lease: V1Lease | undefined;
    try {
      lease = await clients.coordination.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
    }
    if (!lease) {
      try {
        await clients.coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: spec(undefined, true) } });
        return true;
      } catch (err) {
        if (apiStatus(err) === 409) return false;
        throw err;
      }
    }
    const holder = lease.spec?.holderIdentity;
    const key = `${holder}|${lease.spec?.renewTime?.toString()}|${lease.metadata?.resourceVersion}`;
    const t = now().getTime();
    if (!observed || observed.key !== key) observed = { key, at: t };
    const expired = !holder || observed.at + (lease.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000 <= t;
    if (holder !== identity && !expired) return false;
    try {
      await clients.coordination.replaceNamespacedLease({ namespace, name, body: { metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion }, spec: spec(lease, holder !== identity) } });
      return true;
    } catch (err) {
      if (apiStatus(err) === 409) return false;
      throw err;
    }
  };

  const tick = async () => {
    if (stopped) return;
    let ok = false;
    try {
      ok = await tryAcquireOrRenew();
    } catch (err) {
      log.warn({ err }, 'lease request failed');
    }
    if (stopped) return;
    const t = now().getTime();
    if (ok) {
      lastRenew = t;
      if (!leading) {
        leading = true;
        log.info('became leader');
        options.onStartedLeading();
      }
    } else if (leading && t - lastRenew > renewDeadlineMs) {
      leading = false;
      log.warn('lost the lease: stepping down');
      options.onStoppedLeading();
    } else if (leading && !ok) {
      // Someone else holds a valid lease now (we were replaced): step down at once.
      try {
        const l = await clients.coordination.readNamespacedLease({ namespace, name });
        if (l.spec?.holderIdentity && l.spec.holderIdentity !== identity) {
          leading = false;
          log.warn({ holder: l.spec.holderIdentity }, 'another replica holds the lease: stepping down');
          options.onStoppedLeading();
        }
      } catch {
        // keep leading until the renew deadline says otherwise
      }
    }
    timer = setTimeout(() => void tick(), retryMs);
  };
  void tick();

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (!leading) return;
      leading = false;
      options.onStoppedLeading();
      try {
        const lease = await clients.coordination.readNamespacedLease({ namespace, name });
        if (lease.spec?.holderIdentity === identity) {
          await clients.coordination.replaceNamespacedLease({
            namespace,
            name,
            body: { metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion }, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime(now().getTime()) } },
          });
        }
        log.info('released the lease');
      } catch (err) {
        log.warn({ err }, 'cannot release the lease');
      }
    },
  };
}
