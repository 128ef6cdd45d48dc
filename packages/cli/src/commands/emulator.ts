/**
 * `snowtrail emulator`: a DuckDB-backed Snowflake REST emulator for local runs, demos and tests.
 * Prints exactly one line on stdout once ready (`snowtrail emulator listening on http://HOST:PORT`);
 * logs go to stderr; SIGTERM/SIGINT stop it cleanly.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_CODES, SnowtrailError } from '@snowtrail/protocol';
import { UsageError } from '../errors.js';
import { serveUntilSignal } from '../serve-until-signal.js';
import type { EmulatorOptions, FaultFlags } from '@snowtrail/emulator';

interface EmulatorFlags extends FaultFlags {
  host: string;
  port: string;
  account: string;
  user: string[];
  userPublicKey: string[];
  oauthToken: string[];
  pat: string[];
  workloadIdentity: string[];
  workloadIdentityJwks: string[];
  init: string[];
  inlineRows?: string;
  rowsPerChunk?: string;
  maxInlineBytes?: string;
  sessionValidity?: string;
  masterValidity?: string;
  queryWaitMs?: string;
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Bad flags and unreadable files are usage errors (exit 2), like commander's own. */
function usage(message: string): never {
  throw new UsageError(`emulator: ${message}`);
}

async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    return usage(`cannot read ${flag} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Registers `snowtrail emulator`. */
export function register(program: Command): void {
  program
    .command('emulator')
    .description('Run a Snowflake REST emulator backed by DuckDB (for snowflake-sdk and other drivers; plain HTTP, loopback by default)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free port', '0')
    .option('--account <account>', 'Snowflake account name the emulator answers as (key-pair JWT claims use it, docs/protocol.md §10)', 'SNOWTRAIL')
    .option('--user <name:password>', 'a user that logs in with a password (authenticator SNOWFLAKE); repeatable', collect, [])
    .option('--user-public-key <name=pemfile>', 'RSA public key (PEM file) of a user for key-pair login (SNOWFLAKE_JWT); repeatable', collect, [])
    .option('--oauth-token <name=token>', 'an OAuth access token accepted for a user (authenticator OAUTH); repeatable', collect, [])
    .option('--pat <name=token>', 'a programmatic access token of a user (PROGRAMMATIC_ACCESS_TOKEN); repeatable', collect, [])
    .option('--workload-identity <name=issuer,subject[,audience]>', 'an OIDC identity a user trusts (AUTHENTICATOR=WORKLOAD_IDENTITY, PROVIDER=OIDC; audience default snowflakecomputing.com); repeatable', collect, [])
    .option('--workload-identity-jwks <issuer=jwksfile>', 'the JWKS of an issuer the emulator should not discover over HTTP; repeatable', collect, [])
    .option('--init <file.sql>', 'SQL file run once at start (CREATE DATABASE, tables, sample rows); repeatable, run in order', collect, [])
    .option('--inline-rows <n>', 'rows answered inline before the rest goes to chunks (default 1000)')
    .option('--rows-per-chunk <n>', 'rows per result chunk (default 20000)')
    .option('--max-inline-bytes <n>', 'inline JSON bytes after which the rest goes to chunks (default 1048576)')
    .option('--session-validity <seconds>', 'session token validity; after it requests get 390112 and the driver renews (default 3600)')
    .option('--master-validity <seconds>', 'master token validity; renewal fails with 390114 after it (default 14400)')
    .option('--query-wait-ms <ms>', 'answer 333333 when a statement runs longer than this; result polls wait as long (default 20000)')
    .option('--log-level <level>', 'log level on stderr (fatal|error|warn|info|debug|trace|silent)', 'info')
    .option('--faults <json>', 'start-up fault switches as JSON (same shape as POST /__emulator/faults)')
    .option('--fault-delay-ms <ms>', 'fault: delay every answer by this many milliseconds')
    .option('--fault-server-error <count[:status[:target]]>', 'fault: answer the next COUNT requests with HTTP STATUS (default 503); target login|query|result|chunk|any')
    .option('--fault-reset <count[:target]>', 'fault: reset the connection of the next COUNT requests; target login|query|result|chunk|any')
    .option('--fault-corrupt-chunk <count>', 'fault: corrupt the next COUNT chunk downloads')
    .option('--fault-withhold-chunk <count>', 'fault: withhold (404 NoSuchKey) the next COUNT chunk downloads')
    .option('--fault-throttle <bytesPerSecond>', 'fault: limit chunk download bandwidth')
    .addHelpText(
      'after',
      `
Runtime control: POST http://HOST:PORT/__emulator/faults with JSON such as
  {"delayMs":200,"serverError":{"count":2,"status":503,"target":"query"},"resetConnection":{"count":1},
   "corruptChunk":{"count":1},"withholdChunk":{"count":1},"throttleBytesPerSecond":100000,"expireSessions":true}
replaces the switches ({} turns them off); GET shows them and how often each fired.

Example:
  snowtrail emulator --port 0 --account DEMO --user ALICE:secret --init packages/emulator/sample/demo.sql
Docs: docs/emulator.md`,
    )
    .action(async (flags: EmulatorFlags) => {
      const emu = await import('@snowtrail/emulator');
      const { FlagError, buildFaults, buildUsers, parseCount, parseWorkloadIdentityFlag, splitNamed } = emu;
      let options: EmulatorOptions;
      try {
        const publicKeys: [string, string][] = [];
        for (const spec of flags.userPublicKey) {
          const [name, file] = splitNamed('--user-public-key', spec, '=', 'NAME=<pem file>');
          publicKeys.push([name, await readFlagFile('--user-public-key', file)]);
        }
        const users = buildUsers({
          passwords: flags.user.map((s) => splitNamed('--user', s, ':', 'NAME:PASSWORD')),
          publicKeys,
          oauthTokens: flags.oauthToken.map((s) => splitNamed('--oauth-token', s, '=', 'NAME=<token>')),
          pats: flags.pat.map((s) => splitNamed('--pat', s, '=', 'NAME=<token>')),
          workloadIdentities: flags.workloadIdentity.map((s) => {
            const [name, value] = splitNamed('--workload-identity', s, '=', 'NAME=<issuer>,<subject>[,<audience>]');
            return [name, parseWorkloadIdentityFlag(value)];
          }),
        });
        const workloadIdentityJwks: NonNullable<EmulatorOptions['workloadIdentityJwks']> = {};
        for (const spec of flags.workloadIdentityJwks) {
          // The issuer is a URL (it holds ':' and maybe '='), so split at the last '='.
          const at = spec.lastIndexOf('=');
          if (at <= 0 || at === spec.length - 1) throw new FlagError(`--workload-identity-jwks expects ISSUER=<jwks file>, got "${spec}"`);
          const text = await readFlagFile('--workload-identity-jwks', spec.slice(at + 1));
          try {
            workloadIdentityJwks[spec.slice(0, at)] = JSON.parse(text) as (typeof workloadIdentityJwks)[string];
          } catch {
            throw new FlagError(`--workload-identity-jwks: ${spec.slice(at + 1)} is not JSON`);
          }
        }
        const init: string[] = [];
        for (const file of flags.init) init.push(await readFlagFile('--init', file));
        const port = parseCount('--port', flags.port);
        if (port > 65535) throw new FlagError(`--port must be 0..65535, got ${port}`);
        const num = (flag: string, v: string | undefined): number | undefined => (v === undefined ? undefined : parseCount(flag, v));
        const chunking = {
          ...(flags.inlineRows !== undefined ? { inlineRows: num('--inline-rows', flags.inlineRows)! } : {}),
          ...(flags.rowsPerChunk !== undefined ? { rowsPerChunk: num('--rows-per-chunk', flags.rowsPerChunk)! } : {}),
          ...(flags.maxInlineBytes !== undefined ? { maxInlineBytes: num('--max-inline-bytes', flags.maxInlineBytes)! } : {}),
        };
        if (chunking.rowsPerChunk === 0) throw new FlagError('--rows-per-chunk must be at least 1');
        const faults = buildFaults(flags);
        if (!flags.account.trim()) throw new FlagError('--account must not be empty');
        if (!LOG_LEVELS.includes(flags.logLevel)) throw new FlagError(`--log-level must be one of ${LOG_LEVELS.join('|')}, got "${flags.logLevel}"`);
        options = {
          host: flags.host,
          port,
          account: flags.account,
          users,
          ...(init.length ? { initSql: init.join(';\n') } : {}),
          ...(Object.keys(chunking).length ? { chunking } : {}),
          ...(flags.sessionValidity !== undefined ? { sessionValiditySeconds: num('--session-validity', flags.sessionValidity)! } : {}),
          ...(flags.masterValidity !== undefined ? { masterValiditySeconds: num('--master-validity', flags.masterValidity)! } : {}),
          ...(flags.queryWaitMs !== undefined ? { queryWaitMs: num('--query-wait-ms', flags.queryWaitMs)! } : {}),
          ...(faults ? { faults } : {}),
          ...(Object.keys(workloadIdentityJwks).length ? { workloadIdentityJwks } : {}),
        };
      } catch (err) {
        // Flag errors are usage errors already (exit 2, their own code).
        if (err instanceof SnowtrailError && err.exitCode === EXIT_CODES.usage) throw err;
        const e = err as Error & { code?: string };
        return usage(`${e.message}${e.code ? ` (${e.code})` : ''}`);
      }
      if (options.users.length === 0) process.stderr.write('snowtrail emulator: no users configured (--user, --user-public-key, --oauth-token, --pat, --workload-identity): every login will fail\n');
      const { pino } = await import('pino');
      const logger = pino({ level: flags.logLevel, base: { component: 'emulator' } }, pino.destination(2));
      const handle = await emu.startEmulator({ ...options, logger });
      process.stdout.write(`snowtrail emulator listening on http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${handle.port}\n`);
      await serveUntilSignal(handle, logger);
      logger.flush();
    });
}
