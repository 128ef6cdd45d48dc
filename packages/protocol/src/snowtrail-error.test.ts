import { describe, expect, it } from '@jest/globals';
import { BodyMalformedError, BodyTooLargeError, decodeJsonBody } from './body-codec.js';
import { EXIT_CODES, SnowtrailError, exitCodeOf, isSnowtrailError } from './snowtrail-error.js';

/** What a second copy of @snowtrail/protocol (a bundled CLI beside a library) defines: same brand, other class. */
class OtherCopyError extends Error {
  readonly code = 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED';
  readonly exitCode = 2;
  get [Symbol.for('snowtrail.error')](): true {
    return true;
  }
}

describe('SnowtrailError', () => {
  it('carries code, message, cause; without an exit code of its own it ends a command as a failure', () => {
    const cause = new Error('root');
    const err = new SnowtrailError('SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED', 'bad body', { cause });
    expect([err.code, err.message, err.cause, err.exitCode, exitCodeOf(err)]).toEqual(['SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED', 'bad body', cause, undefined, EXIT_CODES.failure]);
    expect(err).toBeInstanceOf(Error);
    expect('cause' in new SnowtrailError('SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED', 'no cause')).toBe(false);
  });

  it('keeps the exit code it was given', () => {
    expect(exitCodeOf(new SnowtrailError('SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED', 'x', { exitCode: EXIT_CODES.usage }))).toBe(2);
    expect(exitCodeOf(new Error('plain'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });

  it('recognises an error from another copy of the package by its brand', () => {
    const foreign = new OtherCopyError('from the other copy');
    expect(foreign instanceof SnowtrailError).toBe(true);
    expect(isSnowtrailError(foreign)).toBe(true);
    expect(exitCodeOf(foreign)).toBe(2);
    expect(new Error('plain') instanceof SnowtrailError).toBe(false);
    expect(isSnowtrailError(null)).toBe(false);
    expect(isSnowtrailError({ code: 'SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED' })).toBe(false);
  });

  it('keeps subclass instanceof to the subclass', () => {
    const tooLarge = new BodyTooLargeError(10);
    expect(tooLarge instanceof SnowtrailError).toBe(true);
    expect(tooLarge instanceof BodyTooLargeError).toBe(true);
    expect(tooLarge instanceof BodyMalformedError).toBe(false);
    expect(new OtherCopyError('x') instanceof BodyMalformedError).toBe(false);
  });

  it('is what the body codec throws, with its documented code', () => {
    let caught: unknown;
    try {
      decodeJsonBody(Buffer.from('{not json'), 1024);
    } catch (err) {
      caught = err;
    }
    expect(isSnowtrailError(caught)).toBe(true);
    expect((caught as SnowtrailError).code).toBe('SNOWTRAIL_ERR_PROTOCOL_BODY_MALFORMED');
    expect((caught as SnowtrailError).name).toBe('BodyMalformedError');
  });
});
