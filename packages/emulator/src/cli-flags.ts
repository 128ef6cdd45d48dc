/**
 * Pure parsing of the `snowtrail emulator` flags into EmulatorOptions pieces, with messages that
 * name the flag and the expected form. File reading stays in the CLI command.
 */
import { EXIT_CODES, SnowtrailError } from '@snowtrail/protocol';
import { parseFaultSettings, type FaultSettings, type FaultTarget } from './faults.js';
import type { EmulatorUser } from './session/auth.js';
import type { WorkloadIdentity } from './session/workload-identity.js';

/** Thrown for a malformed flag value; the CLI prints the message and exits non-zero. */
export class FlagError extends SnowtrailError {
  constructor(message: string) {
    super('SNOWTRAIL_ERR_EMULATOR_INVALID_OPTIONS', message, { exitCode: EXIT_CODES.usage });
    this.name = 'FlagError';
  }
}

/** Splits `NAME<sep>VALUE` at the first separator, requiring both parts. */
export function splitNamed(flag: string, value: string, sep: ':' | '=', form: string): [string, string] {
  const i = value.indexOf(sep);
  if (i <= 0 || i === value.length - 1) throw new FlagError(`${flag} expects ${form}, got "${value}"`);
  return [value.slice(0, i), value.slice(i + 1)];
}

/** Parses a non-negative integer flag. */
export function parseCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new FlagError(`${flag} expects a non-negative integer, got "${value}"`);
  return Number(value);
}

/** The user-related flags as given (values already read from files where needed). */
export interface UserFlags {
  passwords: [string, string][];
  publicKeys: [string, string][];
  oauthTokens: [string, string][];
  pats: [string, string][];
  /** `--workload-identity NAME=issuer,subject[,audience]` values, parsed. */
  workloadIdentities?: [string, WorkloadIdentity][];
}

/** Parses the value after `NAME=` of `--workload-identity`: `issuer,subject[,audience]`. */
export function parseWorkloadIdentityFlag(value: string): WorkloadIdentity {
  const form = 'NAME=<issuer>,<subject>[,<audience>]';
  const [issuer, subject, audience, extra] = value.split(',').map((s) => s.trim());
  if (!issuer || !subject || extra !== undefined || audience === '') throw new FlagError(`--workload-identity expects ${form}, got "${value}"`);
  if (!/^https?:\/\//.test(issuer)) throw new FlagError(`--workload-identity: the issuer must be a URL (the token's iss), got "${issuer}"`);
  return audience ? { issuer, subject, audiences: [audience] } : { issuer, subject };
}

/** Merges repeated user flags into one EmulatorUser per name (names compare case-insensitively). */
export function buildUsers(flags: UserFlags): EmulatorUser[] {
  const users = new Map<string, EmulatorUser>();
  const get = (name: string): EmulatorUser => {
    const key = name.toUpperCase();
    let u = users.get(key);
    if (!u) {
      u = { name };
      users.set(key, u);
    }
    return u;
  };
  for (const [n, p] of flags.passwords) get(n).password = p;
  for (const [n, k] of flags.publicKeys) get(n).publicKeyPem = k;
  for (const [n, t] of flags.oauthTokens) (get(n).oauthTokens ??= []).push(t);
  for (const [n, t] of flags.pats) (get(n).pats ??= []).push(t);
  for (const [n, id] of flags.workloadIdentities ?? []) {
    const list = (get(n).workloadIdentities ??= []);
    list.push({ ...id, name: list.length === 0 ? 'DEFAULT' : `IDENTITY_${list.length + 1}` });
  }
  return [...users.values()];
}

/** Fault flags as given on the command line. */
export interface FaultFlags {
  faults?: string;
  faultDelayMs?: string;
  faultServerError?: string;
  faultReset?: string;
  faultCorruptChunk?: string;
  faultWithholdChunk?: string;
  faultThrottle?: string;
}

const TARGETS = ['login', 'query', 'result', 'chunk', 'any'];

function parseTarget(flag: string, value: string | undefined): FaultTarget | undefined {
  if (value === undefined) return undefined;
  if (!TARGETS.includes(value)) throw new FlagError(`${flag}: target must be one of ${TARGETS.join('|')}, got "${value}"`);
  return value as FaultTarget;
}

/** Builds start-up fault settings from `--faults <json>` and the individual `--fault-*` flags. */
export function buildFaults(flags: FaultFlags): FaultSettings | undefined {
  let base: Record<string, unknown> = {};
  if (flags.faults !== undefined) {
    try {
      base = JSON.parse(flags.faults) as Record<string, unknown>;
    } catch {
      throw new FlagError(`--faults expects a JSON object such as '{"delayMs":200}', got "${flags.faults}"`);
    }
  }
  const s: Record<string, unknown> = { ...base };
  if (flags.faultDelayMs !== undefined) s.delayMs = parseCount('--fault-delay-ms', flags.faultDelayMs);
  if (flags.faultServerError !== undefined) {
    const [count, status, target] = flags.faultServerError.split(':');
    s.serverError = {
      count: parseCount('--fault-server-error', count ?? ''),
      ...(status ? { status: parseCount('--fault-server-error', status) } : {}),
      ...(target ? { target: parseTarget('--fault-server-error', target) } : {}),
    };
  }
  if (flags.faultReset !== undefined) {
    const [count, target] = flags.faultReset.split(':');
    s.resetConnection = { count: parseCount('--fault-reset', count ?? ''), ...(target ? { target: parseTarget('--fault-reset', target) } : {}) };
  }
  if (flags.faultCorruptChunk !== undefined) s.corruptChunk = { count: parseCount('--fault-corrupt-chunk', flags.faultCorruptChunk) };
  if (flags.faultWithholdChunk !== undefined) s.withholdChunk = { count: parseCount('--fault-withhold-chunk', flags.faultWithholdChunk) };
  if (flags.faultThrottle !== undefined) s.throttleBytesPerSecond = parseCount('--fault-throttle', flags.faultThrottle);
  if (Object.keys(s).length === 0) return undefined;
  try {
    return parseFaultSettings(s);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
}
