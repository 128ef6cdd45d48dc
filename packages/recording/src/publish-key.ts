/**
 * Publishes the signing key's public half under v1/keys/ (one object per kid, written once with
 * its `nbf`, plus a merged jwks.json), retrying in the background until the store accepts it.
 */
import type { Logger } from 'pino';
import { sha256Hex } from './chain.js';
import type { PublishedJwk, SigningKey } from './keys.js';
import { jwksKey, publicKeyKey } from './layout.js';
import type { ObjectStore } from './store.js';
import { backoffDelay, sleep } from './backoff.js';

/** Publishes the key; resolves when done or when the signal aborts. */
export async function publishPublicKey(options: { store: ObjectStore; key: SigningKey; now: () => number; logger: Logger; signal: AbortSignal }): Promise<void> {
  const { store, key, signal } = options;
  const nbf = Math.floor(options.now() / 1000);
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const kKey = publicKeyKey(store.prefix, key.kid);
      if ((await store.get(kKey)) === undefined) {
        const jwk: PublishedJwk = { ...key.publicJwk, kid: key.kid, nbf };
        const body = Buffer.from(JSON.stringify(jwk, null, 2));
        await store.put(kKey, body, { contentType: 'application/json', sha256: sha256Hex(body) });
      }
      const keys: PublishedJwk[] = [];
      for (const o of await store.list(`${store.prefix}v1/keys/`)) {
        if (o.key.endsWith('/jwks.json')) continue;
        const b = await store.get(o.key);
        if (b) keys.push(JSON.parse(b.toString('utf8')) as PublishedJwk);
      }
      const body = Buffer.from(JSON.stringify({ keys }, null, 2));
      await store.put(jwksKey(store.prefix), body, { contentType: 'application/json', sha256: sha256Hex(body) });
      return;
    } catch (err) {
      if (attempt === 0) options.logger.warn({ err: { message: (err as Error).message } }, 'publishing the recording public key failed, retrying');
      await sleep(backoffDelay(attempt), signal);
    }
  }
}
