import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import {
  BodyTooLargeError,
  buildErrorResponse,
  decodeJsonBody,
  encodeJsonBody,
  isGzip,
  jwtIssuer,
  matchEndpoint,
  normalizeAccountForJwt,
  normalizeEpochSeconds,
  parseSnowflakeToken,
} from './index.js';

describe('matchEndpoint', () => {
  const id = '01c2f5c5-0814-a22c-0001-dd6a7fc3c4c3';
  it.each([
    ['POST', '/session/v1/login-request', 'login', undefined],
    ['POST', '/queries/v1/query-request', 'queryRequest', undefined],
    ['GET', `/queries/${id}/result`, 'queryResult', id],
    ['POST', `/queries/${id}/abort-request`, 'abortByQueryId', id],
    ['POST', '/queries/v1/abort-request', 'abortByRequestId', undefined],
    ['GET', `/monitoring/queries/${id}`, 'monitoring', id],
    ['POST', '/session/token-request', 'tokenRequest', undefined],
    ['POST', '/session/heartbeat', 'heartbeat', undefined],
    ['POST', '/session', 'session', undefined],
    ['POST', '/telemetry/send', 'telemetry', undefined],
    ['GET', '/session/v1/login-request', 'unknown', undefined],
  ])('%s %s → %s', (method, path, name, queryId) => {
    expect(matchEndpoint(method, path)).toEqual(queryId ? { name, queryId } : { name });
  });
});

describe('error envelope', () => {
  it('is HTTP 200 with a string code and data.sqlState', () => {
    const r = buildErrorResponse({ code: '003001', message: 'SQL access control error: no', sqlState: '42501', queryId: 'q' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({
      success: false,
      code: '003001',
      message: 'SQL access control error: no',
      headers: null,
      data: { errorCode: '003001', sqlState: '42501', queryId: 'q', internalError: false, age: 0 },
    });
  });
});

describe('body codec', () => {
  const value = { data: { TOKEN: 'abc' } };
  it('sniffs gzip by magic bytes, without a header', () => {
    const gz = gzipSync(JSON.stringify(value));
    expect(isGzip(gz)).toBe(true);
    expect(decodeJsonBody(gz, 1000)).toEqual({ value, wasGzip: true });
    expect(decodeJsonBody(Buffer.from(JSON.stringify(value)), 1000)).toEqual({ value, wasGzip: false });
  });
  it('caps the size after decompression (a gzip bomb is refused)', () => {
    const bomb = gzipSync(Buffer.alloc(10_000_000, 0x20));
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => decodeJsonBody(bomb, 1_000_000)).toThrow(BodyTooLargeError);
  });
  it('re-encodes with the same compression', () => {
    expect(isGzip(encodeJsonBody(value, true))).toBe(true);
    expect(encodeJsonBody(value, false).toString()).toBe(JSON.stringify(value));
  });
  it('rejects malformed JSON with a code', () => {
    expect(() => decodeJsonBody(Buffer.from('{nope'), 100)).toThrow(expect.objectContaining({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED' }));
  });
});

describe('authorization', () => {
  it('parses the Snowflake token scheme and treats junk as absent', () => {
    expect(parseSnowflakeToken('Snowflake Token="abc"')).toBe('abc');
    expect(parseSnowflakeToken('Snowflake Token="undefined"')).toBeUndefined();
    expect(parseSnowflakeToken('Bearer abc')).toBeUndefined();
    expect(parseSnowflakeToken(undefined)).toBeUndefined();
  });
});

describe('jwt account normalisation (§10.2)', () => {
  it.each([
    ['xy12345.us-east-2.aws', 'XY12345'],
    ['myorg-myacct', 'MYORG-MYACCT'],
    ['myorg-myacct.us-east-1', 'MYORG-MYACCT'],
    ['acct-x.global', 'ACCT'],
  ])('%s → %s', (a, b) => expect(normalizeAccountForJwt(a)).toBe(b));
  it('builds iss', () => expect(jwtIssuer('myorg-myacct.us-east-1', 'svc_user', 'FP=')).toBe('MYORG-MYACCT.SVC_USER.SHA256:FP='));
  it('accepts milliseconds', () => {
    expect(normalizeEpochSeconds(1795703933181)).toBe(1795703933);
    expect(normalizeEpochSeconds(1795703933)).toBe(1795703933);
  });
});
