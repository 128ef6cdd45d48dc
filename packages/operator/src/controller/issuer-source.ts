import type { Logger } from 'pino';
import type { KubeClients } from '../kube/kube-clients.js';
import type { ServiceAccountIssuer } from './render-config.js';

/** Keeps the API server's service-account issuer and JWKS current. */
export interface IssuerSource {
  current(): ServiceAccountIssuer | undefined;
  /** Fetches now; resolves true when the value changed. */
  refresh(): Promise<boolean>;
  stop(): void;
}

/**
 * Polls `/.well-known/openid-configuration` and `/openid/v1/jwks` (readable by every
 * authenticated client through system:service-account-issuer-discovery), so sidecars read the keys
 * from their ConfigMap instead of each needing RBAC on the API server (docs/adr/0042).
 */
export function startIssuerSource(options: { clients: KubeClients; logger: Logger; intervalMs?: number; issuerOverride?: string; onChange: () => void }): IssuerSource {
  let value: ServiceAccountIssuer | undefined;
  let text = '';
  const log = options.logger.child({ component: 'issuer-source' });
  const refresh = async (): Promise<boolean> => {
    try {
      const discovery = options.issuerOverride ? undefined : ((await options.clients.getJson('/.well-known/openid-configuration')) as { issuer?: string });
      const jwks = (await options.clients.getJson('/openid/v1/jwks')) as { keys?: unknown[] };
      const issuer = options.issuerOverride ?? discovery?.issuer;
      if (!issuer || !Array.isArray(jwks?.keys)) throw new Error('issuer discovery returned no issuer or no keys');
      const next = { issuer, jwks: { keys: jwks.keys } };
      const nextText = JSON.stringify(next);
      if (nextText === text) return false;
      value = next;
      text = nextText;
      log.info({ issuer, keys: jwks.keys.length }, 'service-account issuer keys updated');
      return true;
    } catch (err) {
      log.warn({ err }, 'cannot read the service-account issuer keys');
      return false;
    }
  };
  const timer = setInterval(() => {
    void refresh().then((changed) => changed && options.onChange());
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return { current: () => value, refresh, stop: () => clearInterval(timer) };
}
