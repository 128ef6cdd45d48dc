/** Where `verify` gets its trust anchor: a JWKS file or URL given by the auditor, else the store's published keys. */
import { readFile } from 'node:fs/promises';
import { RECORDING_ERRORS, RecordingError } from './errors.js';
import type { PublishedJwk } from './keys.js';
import type { ObjectStore } from './store.js';

function parseJwks(text: string, from: string): PublishedJwk[] {
  try {
    const doc = JSON.parse(text) as { keys?: PublishedJwk[] };
    if (!Array.isArray(doc.keys)) throw new Error('no "keys" array');
    return doc.keys.filter((k) => typeof k.kid === 'string');
  } catch (err) {
    throw new RecordingError(RECORDING_ERRORS.jwks, `${from} is not a JWKS: ${(err as Error).message}`, { cause: err });
  }
}

/** Loads keys from a JWKS file path or http(s) URL. */
export async function loadJwks(source: string): Promise<PublishedJwk[]> {
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (err) {
      throw new RecordingError(RECORDING_ERRORS.jwks, `cannot fetch JWKS ${source}`, { cause: err });
    }
    if (!res.ok) throw new RecordingError(RECORDING_ERRORS.jwks, `cannot fetch JWKS ${source}: HTTP ${res.status}`);
    return parseJwks(await res.text(), source);
  }
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw new RecordingError(RECORDING_ERRORS.jwks, `cannot read JWKS file ${source}`, { cause: err });
  }
  return parseJwks(text, source);
}

/** Keys published in the store under v1/keys/ (each written once by a recorder, with its nbf). */
export async function loadStoreKeys(store: ObjectStore): Promise<PublishedJwk[]> {
  const keys: PublishedJwk[] = [];
  for (const o of await store.list(`${store.prefix}v1/keys/`)) {
    if (o.key.endsWith('/jwks.json')) continue;
    const b = await store.get(o.key);
    if (!b) continue;
    try {
      keys.push(JSON.parse(b.toString('utf8')) as PublishedJwk);
    } catch {
      // An unreadable key file simply contributes no key; digests signed with it fail as unknown_key.
    }
  }
  return keys;
}
