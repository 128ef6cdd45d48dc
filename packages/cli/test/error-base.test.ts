/**
 * Every package's errors extend the one base class in @snowtrail/protocol: each carries its code,
 * cause and exit code, and one package's class never claims another package's error.
 */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, CONFIG_ERRORS } from '@snowtrail/config';
import { EmulatorError, EMULATOR_ERROR_CODES, FlagError } from '@snowtrail/emulator';
import { OperatorError, OPERATOR_ERRORS } from '@snowtrail/operator';
import { PolicyError, POLICY_ERRORS } from '@snowtrail/policy';
import { EXIT_CODES, SnowtrailError, exitCodeOf } from '@snowtrail/protocol';
import { RecordingError, RECORDING_ERRORS } from '@snowtrail/recording';
import { SidecarError, SIDECAR_ERRORS } from '@snowtrail/sidecar';

const cause = new Error('root cause');
const cases: [string, Error & { code: string }, string][] = [
  ['config', new ConfigError(CONFIG_ERRORS.invalid, 'bad key', ['listen.port'], { cause }), CONFIG_ERRORS.invalid],
  ['emulator', new EmulatorError(EMULATOR_ERROR_CODES.listenFailed, 'port taken', { cause }), EMULATOR_ERROR_CODES.listenFailed],
  ['operator', new OperatorError(OPERATOR_ERRORS.kubeApi, 'api down', { cause }), OPERATOR_ERRORS.kubeApi],
  ['policy', new PolicyError(POLICY_ERRORS.invalidPattern, 'empty name part'), POLICY_ERRORS.invalidPattern],
  ['recording', new RecordingError(RECORDING_ERRORS.store, 'store down', { cause }), RECORDING_ERRORS.store],
  ['sidecar', new SidecarError(SIDECAR_ERRORS.listenFailed, 'port taken', { cause }), SIDECAR_ERRORS.listenFailed],
];

describe('one error base class', () => {
  it.each(cases)('%s errors are SnowtrailErrors with their code and a failure exit code', (_area, err, code) => {
    expect(err instanceof SnowtrailError).toBe(true);
    expect(err.code).toBe(code);
    // No exit code of their own: the command maps the code (sessions does), else a failure.
    expect((err as SnowtrailError).exitCode).toBeUndefined();
    expect(exitCodeOf(err)).toBe(EXIT_CODES.failure);
    if (err.cause !== undefined) expect(err.cause).toBe(cause);
  });

  it('keeps package-specific fields', () => {
    expect(new ConfigError(CONFIG_ERRORS.invalid, 'x', ['a', 'b']).issues).toEqual(['a', 'b']);
    expect(new RecordingError(RECORDING_ERRORS.unavailable, 'x', { reason: 'spool_full' }).reason).toBe('spool_full');
  });

  it('never lets one package class claim another package error', () => {
    const classes = [ConfigError, EmulatorError, OperatorError, PolicyError, RecordingError, SidecarError];
    for (const [i, [, err]] of cases.entries()) {
      expect(classes.filter((C) => err instanceof C)).toEqual([classes[i]]);
    }
  });

  it('makes malformed emulator flags usage errors (exit 2)', () => {
    const err = new FlagError('--port expects a non-negative integer');
    expect([err.code, err.exitCode, err instanceof SnowtrailError]).toEqual(['SNOWTRAIL_ERR_EMULATOR_INVALID_OPTIONS', EXIT_CODES.usage, true]);
  });
});
