import { describe, expect, it } from '@jest/globals';
import { clientTokenFrom } from './client-authenticator.js';
import { checkTokenUsable } from './upstream-workload-identity.js';

const jwt = (payload: Record<string, unknown>) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const NOW = 1_800_000_000;

describe('checkTokenUsable (the sidecar never sends a stale or foreign token upstream)', () => {
  it.each([
    ['a live token for the audience', jwt({ aud: ['snowflakecomputing.com'], exp: NOW + 1 }), { ok: true, expiresAt: NOW + 1 }],
    ['a string audience', jwt({ aud: 'snowflakecomputing.com', exp: NOW + 60 }), { ok: true, expiresAt: NOW + 60 }],
    ['a token at its exp (no tolerance)', jwt({ aud: 'snowflakecomputing.com', exp: NOW }), { ok: false, why: `it expired at ${new Date(NOW * 1000).toISOString()}` }],
    ['another audience', jwt({ aud: ['snowtrail'], exp: NOW + 60 }), { ok: false, why: 'its audience is ["snowtrail"], not snowflakecomputing.com' }],
    ['no exp', jwt({ aud: 'snowflakecomputing.com' }), { ok: false, why: 'it has no exp claim' }],
    ['a non-numeric exp', jwt({ aud: 'snowflakecomputing.com', exp: String(NOW + 60) }), { ok: false, why: 'it has no exp claim' }],
    ['not a JWT', 'hello', { ok: false, why: 'it is not a JWT' }],
    ['a payload that is not an object', `a.${Buffer.from('[1]').toString('base64url')}.c`, { ok: false, why: 'it is not a JWT' }],
  ])('%s', (_what, token, expected) => {
    expect(checkTokenUsable(token, 'snowflakecomputing.com', NOW)).toEqual(expected);
  });
});

describe('clientTokenFrom (which client logins carry the pod token)', () => {
  it.each([
    [{ AUTHENTICATOR: 'OAUTH', TOKEN: ' t ' }, { ok: true, token: 't', authenticator: 'OAUTH' }],
    [{ AUTHENTICATOR: 'workload_identity', PROVIDER: 'oidc', TOKEN: 't' }, { ok: true, token: 't', authenticator: 'WORKLOAD_IDENTITY' }],
    [{ AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'GCP', TOKEN: 't' }, { ok: false, reason: 'authenticator_not_supported', detail: 'got WORKLOAD_IDENTITY with provider GCP' }],
    [{ AUTHENTICATOR: 'WORKLOAD_IDENTITY', TOKEN: 't' }, { ok: false, reason: 'authenticator_not_supported', detail: 'got WORKLOAD_IDENTITY with provider (none)' }],
    [{ AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'OIDC' }, { ok: false, reason: 'token_missing' }],
    [{ AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: 't' }, { ok: false, reason: 'authenticator_not_supported', detail: 'got SNOWFLAKE_JWT' }],
    [{ PASSWORD: 'p' }, { ok: false, reason: 'authenticator_not_supported', detail: 'got SNOWFLAKE' }],
  ])('%j', (data, expected) => {
    expect(clientTokenFrom(data)).toEqual(expected);
  });
});
