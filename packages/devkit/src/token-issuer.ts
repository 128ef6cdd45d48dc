import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

/** Claims of one minted token: the facts kube-apiserver puts in a projected service-account token. */
export interface MintClaims {
  namespace: string;
  podName: string;
  podUid: string;
  serviceAccount: string;
  /** Defaults to a stable uid derived from namespace and name. */
  serviceAccountUid?: string;
  /** Defaults to `snowtrail`, the audience the operator projects. */
  audience?: string | string[];
  /** Defaults to 3600 (kube-apiserver's minimum for projected tokens is 600). */
  expiresInSeconds?: number;
  nodeName?: string;
  /** Shallow overrides applied last (e.g. `{ iss: 'x' }`, `{ nbf: future }`) for negative tests. */
  overrides?: Record<string, unknown>;
}

/** Options of the local issuer. */
export interface TokenIssuerOptions {
  /** The `iss` claim; defaults to the issuer's own URL, as a cluster's OIDC issuer would be. */
  issuer?: string;
  host?: string;
  port?: number;
}

/** A running local issuer serving `/openid/v1/jwks` and minting RS256 tokens. */
export interface TokenIssuerHandle {
  url: string;
  issuer: string;
  jwksUri: string;
  /** The current JWKS (public keys only), as the API server publishes it. */
  readonly jwks: JSONWebKeySet;
  mint(claims: MintClaims): Promise<string>;
  /** Generates a new signing key, publishes it, and drops the old one (a key rotation). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replace(/-/g, '');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

/**
 * Builds the payload exactly as kube-apiserver does for a projected token (pkg/serviceaccount/claims.go):
 * `sub` is `system:serviceaccount:<ns>:<name>` and the private claims sit under `kubernetes.io`.
 */
export function buildProjectedTokenClaims(c: MintClaims, issuer: string, nowSeconds: number): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    aud: Array.isArray(c.audience) ? c.audience : [c.audience ?? 'snowtrail'],
    exp: nowSeconds + (c.expiresInSeconds ?? 3600),
    iat: nowSeconds,
    iss: issuer,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: c.namespace,
      ...(c.nodeName ? { node: { name: c.nodeName, uid: randomUUID() } } : {}),
      pod: { name: c.podName, uid: c.podUid },
      serviceaccount: { name: c.serviceAccount, uid: c.serviceAccountUid ?? `sa-${c.namespace}-${c.serviceAccount}` },
    },
    nbf: nowSeconds,
    sub: `system:serviceaccount:${c.namespace}:${c.serviceAccount}`,
  };
  return { ...payload, ...c.overrides };
}

/** Starts a JWKS server on loopback that mints tokens like a cluster's service-account issuer. */
export async function startTokenIssuer(options: TokenIssuerOptions = {}): Promise<TokenIssuerHandle> {
  let key = await createSigningKey();
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/openid/v1/jwks' || req.url === '/.well-known/jwks.json')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
      return;
    }
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: ['RS256'] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const issuer = options.issuer ?? url;
  const jwksUri = `${url}/openid/v1/jwks`;
  return {
    url,
    issuer,
    jwksUri,
    get jwks() {
      return { keys: [key.publicJwk] };
    },
    async mint(claims) {
      const payload = buildProjectedTokenClaims(claims, issuer, Math.floor(Date.now() / 1000));
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    },
    async rotate() {
      key = await createSigningKey();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
