import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { SIDECAR_ERRORS, SidecarError } from './errors.js';

/** Where verification keys come from: a remote JWKS (cached by jose) or a file re-read on change. */
export interface JwksSource {
  getKey: JWTVerifyGetKey;
  /** Forces a re-read (the file source) before retrying an unknown kid. */
  refresh(): Promise<void>;
}

/**
 * A remote JWKS: jose caches the set, refetches it when a token names an unknown kid (so key rotation
 * is picked up), with a cooldown so a flood of bad kids cannot hammer the issuer.
 */
export function createRemoteJwksSource(uri: string, options: { cooldownMs?: number } = {}): JwksSource {
  const getKey = createRemoteJWKSet(new URL(uri), { cooldownDuration: options.cooldownMs ?? 5_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
  return { getKey, refresh: async () => undefined };
}

/**
 * A JWKS file, e.g. published by the operator in the ConfigMap. It is stat-ed on every use (logins
 * are rare) and re-read when its identity changes: the kubelet replaces ConfigMap files by swapping
 * a `..data` symlink, which changes the inode even when size and mtime look alike.
 */
export function createFileJwksSource(path: string): JwksSource {
  let stamp = '';
  let local: JWTVerifyGetKey | undefined;
  async function load(force: boolean): Promise<JWTVerifyGetKey> {
    let s;
    try {
      s = await stat(path);
    } catch (err) {
      throw new SidecarError(SIDECAR_ERRORS.jwksUnavailable, `JWKS file ${path} cannot be read`, { cause: err });
    }
    const next = `${s.ino}:${s.size}:${s.mtimeMs}`;
    if (local && next === stamp && !force) return local;
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet;
      local = createLocalJWKSet(jwks);
    } catch (err) {
      throw new SidecarError(SIDECAR_ERRORS.jwksUnavailable, `JWKS file ${path} is not a valid JWKS`, { cause: err });
    }
    stamp = next;
    return local;
  }
  return {
    getKey: async (header, token) => (await load(false))(header, token),
    refresh: async () => {
      await load(true);
    },
  };
}
