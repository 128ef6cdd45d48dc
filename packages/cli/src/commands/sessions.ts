/**
 * `snowtrail sessions`: the auditor's view of recordings in S3 or a directory — list, show, trace,
 * verify, replay, export. Thin: reading and verifying live in @snowtrail/recording, rendering,
 * export and replay in @snowtrail/audit. Output is streamed (a session of any size shows, replays
 * and exports in bounded memory). Exit codes: 0 success (verify: intact), 1 verification failed or
 * other failure, 2 usage, 3 store unreachable or wrong store, 4 no credentials found locally or the
 * store refused them, 5 session not found.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import type { ObjectStore, PublishedJwk, SessionSummary, VerifyReport } from '@snowtrail/recording';
import type * as RecordingModule from '@snowtrail/recording';
import type * as AuditModule from '@snowtrail/audit';
import type { Sink } from '@snowtrail/audit';
import { registerCatalogCommands } from './sessions-catalog.js';
import { applyStreamingHeapPolicy } from './streaming-heap.js';
import { EXPORT_FORMATS, explainStoreError, httpUrl, nonNegativeDecimal, outputOption, storeSpecProblem, usageError, wholeNumber, type OutputFormat } from './sessions-args.js';

type Recording = typeof RecordingModule;
type Audit = typeof AuditModule;

interface StoreOpts {
  store?: string;
  endpoint?: string;
  region?: string;
}

const EXIT_BY_CODE: Record<string, number> = {
  SNOWTRAIL_ERR_CATALOG_QUERY: 2,
  SNOWTRAIL_ERR_RECORDING_STORE: 3,
  SNOWTRAIL_ERR_RECORDING_STORE_AUTH: 4,
  SNOWTRAIL_ERR_RECORDING_SESSION_NOT_FOUND: 5,
};

function lib(): Promise<Recording> {
  return import('@snowtrail/recording');
}

function audit(): Promise<Audit> {
  return import('@snowtrail/audit');
}

/** Parses `--since/--until`: an ISO date/time or a relative age like 30m, 24h, 7d. */
export function parseTime(value: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[rel[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now - Number(rel[1]) * unit * 1000);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw usageError(`not a time: ${value} (use ISO 8601 or an age like 24h, 7d)`);
  return new Date(t);
}

/** `--since/--until` as a parser argument: a malformed time is refused by the parser (exit 2). */
function timeArg(value: string): Date {
  try {
    return parseTime(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function withStore(cmd: Command): Command {
  return cmd
    .option('--store <store>', 'where recordings are: s3://bucket/prefix[?endpoint=…&forcePathStyle=true] or dir:/path (env SNOWTRAIL_STORE)')
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, radosgw, s3rver); credentials from the default AWS provider chain', httpUrl('--endpoint'))
    .option('--region <region>', 'S3 region (default AWS_REGION or us-east-1)');
}

async function open(opts: StoreOpts): Promise<ObjectStore> {
  const spec = opts.store ?? process.env.SNOWTRAIL_STORE;
  if (!spec) throw usageError('--store is required (s3://bucket/prefix or dir:/path)');
  const problem = storeSpecProblem(spec);
  if (problem) throw usageError(`--store ${spec}: ${problem}`);
  const { openStore } = await lib();
  return openStore(spec, { ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), ...(opts.region ? { region: opts.region } : {}) });
}

function progress(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return (done, total) => {
    if (total < 2) return;
    if (tty) {
      process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((done / total) * 10);
    if (decile !== lastDecile && (decile % 5 === 0 || done === total)) {
      lastDecile = decile;
      process.stderr.write(`${label} ${done}/${total}\n`);
    }
  };
}

/** Runs an action, turning errors into a message on stderr and a documented exit code. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      const e = explainStoreError(err) as Error & { code?: string; exitCode?: number };
      process.stderr.write(`snowtrail sessions: ${e.message}${e.code ? ` (${e.code})` : ''}\n`);
      process.exitCode = e.exitCode ?? (e.code ? EXIT_BY_CODE[e.code] : undefined) ?? 1;
    }
  };
}

/**
 * The catalog's answer (the catalog's Parquet parts plus the sessions not compacted yet: the same
 * answer as the walk, from a few objects), or the walk over every session's index parts when asked
 * (`--no-catalog`) or when the catalog cannot run here: the npm package carries no DuckDB binding.
 */
async function viaCatalog<T>(useCatalog: boolean, fromCatalog: () => Promise<T>, walk: () => Promise<T>): Promise<T> {
  if (!useCatalog) return walk();
  try {
    return await fromCatalog();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SNOWTRAIL_ERR_CLI_UNAVAILABLE') return walk();
    throw err;
  }
}

let stdoutSink: Sink | undefined;
async function out(text: string | Uint8Array): Promise<void> {
  stdoutSink ??= (await audit()).streamSink(process.stdout);
  await stdoutSink(text);
}

/** Prints objects as JSON or YAML (the machine formats of `-o`). */
async function printObjects(format: OutputFormat, value: unknown): Promise<void> {
  await out(format === 'yaml' ? toYaml(value) : JSON.stringify(value, null, 2) + '\n');
}

const isMachine = (f: OutputFormat): boolean => f === 'json' || f === 'yaml';

async function trustKeys(store: ObjectStore, jwks: string | undefined): Promise<PublishedJwk[]> {
  const { loadJwks, loadStoreKeys } = await lib();
  if (jwks) return loadJwks(jwks);
  const keys = await loadStoreKeys(store);
  process.stderr.write(`note: trusting the ${keys.length} public key(s) published in the store itself; pass --jwks <file|url> to verify against keys held elsewhere\n`);
  return keys;
}

function flatListing(l: { summary: SessionSummary }): Record<string, unknown> {
  const s = l.summary;
  const id = s.identity ?? {};
  return {
    sessionId: s.sessionId,
    kind: s.kind,
    status: s.status,
    startedAt: s.startedAt,
    lastEventAt: s.lastEventAt,
    namespace: id.namespace,
    podName: id.podName,
    podUid: id.podUid,
    serviceAccount: id.serviceAccount,
    subject: id.subject,
    nodeName: id.nodeName,
    policy: s.policy,
    snowflake: s.snowflake,
    client: s.client,
    statementCount: s.statementCount,
    eventCount: s.eventCount,
  };
}

/** Registers `snowtrail sessions` and its subcommands. */
export function register(program: Command): void {
  const sessions = program.command('sessions').description('list, show, trace, verify, replay and export recorded sessions');

  withStore(sessions.command('list'))
    .description('list sessions (from the catalog plus the sessions not compacted yet; --no-catalog walks every index)')
    .option('--namespace <ns>', 'only this namespace')
    .option('--pod <name>', 'only this pod')
    .option('--service-account <sa>', 'only this service account')
    .option('--since <time>', 'sessions active after (ISO time or age like 24h)', timeArg)
    .option('--until <time>', 'sessions started before', timeArg)
    .option('--contains <sql>', 'only sessions with a statement containing this text (case-insensitive)')
    .option('--no-catalog', 'walk every session\'s index parts instead of reading the catalog (same answer, slower)')
    .addOption(outputOption())
    .option('--json', 'same as -o json')
    .action(
      run(async (o: StoreOpts & { namespace?: string; pod?: string; serviceAccount?: string; since?: Date; until?: Date; contains?: string; catalog: boolean; output: OutputFormat; json?: boolean }) => {
        const store = await open(o);
        const { listSessions } = await lib();
        const a = await audit();
        const filter = {
            ...(o.namespace ? { namespace: o.namespace } : {}),
            ...(o.pod ? { pod: o.pod } : {}),
            ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
            ...(o.since ? { since: o.since } : {}),
            ...(o.until ? { until: o.until } : {}),
            ...(o.contains ? { contains: o.contains } : {}),
          };
        const items = await viaCatalog(
          o.catalog,
          async () => (await import('@snowtrail/catalog')).listSessionsFromCatalog(store, filter),
          () => listSessions(store, filter, progress('reading session indexes')),
        );
        const format: OutputFormat = o.json ? 'json' : o.output;
        if (isMachine(format)) await printObjects(format, items.map(flatListing));
        else await out(items.length === 0 ? 'no sessions found\n' : a.renderSessionList(items, { wide: format === 'wide' }));
      }),
    );

  withStore(sessions.command('show <sessionId>'))
    .description('the timeline of a session: identity, statements, outcomes (denials with rule and reason), rows, durations; damaged ranges are marked and the rest is shown')
    .option('--results', 'print the recorded result rows (JSON and Arrow decoded, values readable by column type)')
    .option('--max-rows <n>', 'rows printed per statement with --results', wholeNumber('--max-rows', 0), 20)
    .addOption(outputOption())
    .action(
      run(async (id: string, o: StoreOpts & { results?: boolean; maxRows: number; output: OutputFormat }) => {
        applyStreamingHeapPolicy();
        const store = await open(o);
        const r = await lib();
        const a = await audit();
        const listing = await r.loadSessionListingForDisplay(store, id);
        const pass = await a.passSession(r.readSession(store, id), { results: Boolean(o.results), maxRows: o.maxRows });
        if (isMachine(o.output)) {
          await printObjects(o.output, a.showDocument(listing, pass, { results: Boolean(o.results) }));
          return;
        }
        await out(a.renderSessionShow(listing.summary, listing.statements, pass, { wide: o.output === 'wide', ...(listing.rebuilt ? { rebuilt: true } : {}) }));
        if (o.results) await out(a.renderStatementResults(listing.statements, pass));
      }),
    );

  withStore(sessions.command('trace <object>'))
    .description('every recorded statement that wrote (or read) DATABASE.SCHEMA.OBJECT, newest first (from the catalog plus the sessions not compacted yet)')
    .option('--since <time>', 'statements after', timeArg)
    .option('--until <time>', 'statements before', timeArg)
    .option('--writes', 'statements that wrote the object (default)')
    .option('--reads', 'statements that read the object')
    .option('--no-catalog', 'walk every session\'s index parts instead of reading the catalog (same answer, slower)')
    .addOption(outputOption())
    .action(
      run(async (object: string, o: StoreOpts & { since?: Date; until?: Date; writes?: boolean; reads?: boolean; catalog: boolean; output: OutputFormat }) => {
        const store = await open(o);
        const { traceObject } = await lib();
        const a = await audit();
        const relation = o.reads && o.writes ? 'both' : o.reads ? 'reads' : 'writes';
        const window = { relation, ...(o.since ? { since: o.since } : {}), ...(o.until ? { until: o.until } : {}) } as const;
        const hits = await viaCatalog(
          o.catalog,
          async () => (await import('@snowtrail/catalog')).traceFromCatalog(store, object, window),
          () => traceObject(store, object, window, progress('reading session indexes')),
        );
        if (isMachine(o.output)) await printObjects(o.output, hits);
        else await out(hits.length === 0 ? `no recorded statement ${relation === 'reads' ? 'read' : 'wrote'} ${object}\n` : a.renderTrace(hits, { wide: o.output === 'wide' }));
      }),
    );

  registerCatalogCommands(sessions, { withStore, run, open, out, printObjects, timeArg });

  withStore(sessions.command('verify [sessionId]'))
    .description('check hash chain, signed digests and segment completeness; exit 0 only when intact')
    .option('--all', 'verify every session in the store')
    .option('--jwks <fileOrUrl>', 'public keys to trust (default: the keys published in the store)')
    .option('--allow-open', 'pass sessions that are intact so far but still open (their last digest is not final); a live session cannot be told from one whose last digests were removed, so use this only where pipelines may still be running')
    .option('--since <time>', 'with --all: only sessions created on or after this day (ISO time or age like 24h)', timeArg)
    .option('--until <time>', 'with --all: only sessions created on or before this day', timeArg)
    .option('--concurrency <n>', 'sessions verified at once with --all', wholeNumber('--concurrency', 1), 8)
    .option('--no-cache', 'with --all: read every session in full, ignoring (and not updating) the local verified-state cache')
    .option('--cache-dir <dir>', 'where --all keeps its verified-state cache (default $SNOWTRAIL_CACHE_DIR, $XDG_CACHE_HOME/snowtrail or ~/.cache/snowtrail, then verify/)')
    .addOption(outputOption())
    .action(
      run(async (id: string | undefined, o: StoreOpts & { all?: boolean; jwks?: string; output: OutputFormat; allowOpen?: boolean; since?: Date; until?: Date; concurrency: number; cache: boolean; cacheDir?: string }) => {
        if (!id && !o.all) throw usageError('give a session id or --all');
        if (id && o.all) throw usageError('give a session id or --all, not both');
        if (id && (o.since || o.until)) throw usageError('--since and --until select sessions for --all');
        const store = await open(o);
        const r = await lib();
        const a = await audit();
        const keys = await trustKeys(store, o.jwks);
        const window = { ...(o.since ? { since: o.since } : {}), ...(o.until ? { until: o.until } : {}) };
        const ids = o.all ? await r.listSessionIds(store, window) : [id!];
        if (!o.all) await r.loadSessionListing(store, id!).catch(async (err: { code?: string }) => {
          // A session with segments but no index part is still verified (and fails for its missing digest).
          if (err.code === r.RECORDING_ERRORS.sessionNotFound && (await r.listSegmentKeys(store, id!).catch(() => [])).length === 0) throw err;
        });
        const reports: (VerifyReport & { verifiedEarlier?: string })[] = [];
        const tick = progress('verifying sessions');
        // The cache makes --all incremental (docs/adr/0093); one session named on the command line is always read in full.
        const cacheDir = o.all && o.cache ? (o.cacheDir ?? a.defaultVerifyCacheDir()) : undefined;
        if (o.all && o.cache && cacheDir === undefined) process.stderr.write('note: no home folder for the verify cache: every session is read in full (set --cache-dir or SNOWTRAIL_CACHE_DIR)\n');
        const cacheFile = cacheDir !== undefined ? a.verifyCacheFile(cacheDir, store) : undefined;
        const cache = cacheFile ? await a.loadVerifyCache(cacheFile, store, keys) : undefined;
        await a.verifyAll(store, ids, keys, {
          concurrency: o.all ? o.concurrency : 1,
          ...(cache ? { cache } : {}),
          onOutcome: async ({ report: verified, verifiedEarlier }) => {
            const rep = o.allowOpen ? r.allowOpenSession(verified) : verified;
            reports.push(verifiedEarlier ? { ...rep, verifiedEarlier } : rep);
            tick(reports.length, ids.length);
            if (!isMachine(o.output)) await out(a.renderVerify(rep, verifiedEarlier));
          },
        });
        // A cache that cannot be written (a read-only root filesystem in a Job) costs the next run time, never this run's verdict.
        if (cacheFile && cache) {
          // Only a run over every session knows which ones are gone.
          if (!o.since && !o.until) a.pruneVerifyCache(cache, ids);
          await a.saveVerifyCache(cacheFile, cache).catch((err: unknown) => {
            process.stderr.write(`note: could not write the verify cache ${cacheFile} (${(err as Error).message}); the next run reads every session again (set --cache-dir or SNOWTRAIL_CACHE_DIR to a writable folder, or pass --no-cache)\n`);
          });
        }
        const failed = reports.filter((x) => !x.ok).length;
        if (isMachine(o.output)) await printObjects(o.output, o.all ? reports : reports[0]);
        else if (o.all) await out(`${reports.length} session(s) verified, ${failed} failed\n`);
        return failed > 0 ? 1 : 0;
      }),
    );

  withStore(sessions.command('replay <sessionId>'))
    .description('replay the timeline at the original pace (damaged ranges marked), or re-execute the statements against a target and diff results')
    .option('--speed <n>', 'pace multiplier (0: no pauses)', nonNegativeDecimal('--speed'), 1)
    .option('--results', 'print the rows of each result (JSON and Arrow decoded) as it appears in the timeline')
    .option('--max-rows <n>', 'rows printed per result part with --results', wholeNumber('--max-rows', 0), 20)
    .option('--execute', 're-run the statements against --target and diff the results')
    .option('--target <url>', 'Snowflake (or emulator) URL, e.g. https://acct.snowflakecomputing.com', httpUrl('--target'))
    .option('--account <account>', 'target account')
    .option('--user <user>', 'target user')
    .option('--password-env <name>', 'environment variable holding the target password', 'SNOWFLAKE_PASSWORD')
    .option('--authenticator <name>', 'snowflake-sdk authenticator (default SNOWFLAKE with a password)')
    .option('--token-file <file>', 'token for OAUTH/PAT authenticators')
    .option('--role <role>')
    .option('--warehouse <wh>')
    .option('--database <db>')
    .option('--schema <schema>')
    .option('--include-writes', 're-run statements that write too (by default only reads are re-run)')
    .addOption(outputOption())
    .action(
      run(async (id: string, o: StoreOpts & { speed: number; results?: boolean; maxRows: number; output: OutputFormat } & Record<string, string | boolean | number | undefined>) => {
        if (o.execute && (!o.target || !o.account || !o.user)) throw usageError('--execute needs --target, --account and --user');
        applyStreamingHeapPolicy();
        const store = await open(o);
        const r = await lib();
        const a = await audit();
        await r.loadSessionListingForDisplay(store, id);
        if (!o.execute) {
          if (isMachine(o.output)) return void (await printTimelineObjects(o.output, r.readSession(store, id)));
          await a.replayTimeline(r.readSession(store, id), out, { speed: o.speed, ...(o.results ? { resultRows: o.maxRows } : {}) });
          return 0;
        }
        const password = process.env[String(o.passwordEnv)];
        const token = o.tokenFile ? (await readFile(String(o.tokenFile), 'utf8')).trim() : undefined;
        const diffs = await a.replayExecute(
          r.readSession(store, id),
          {
            url: String(o.target),
            account: String(o.account),
            user: String(o.user),
            ...(password ? { password } : {}),
            ...(o.authenticator ? { authenticator: String(o.authenticator) } : {}),
            ...(token ? { token } : {}),
            ...(o.role ? { role: String(o.role) } : {}),
            ...(o.warehouse ? { warehouse: String(o.warehouse) } : {}),
            ...(o.database ? { database: String(o.database) } : {}),
            ...(o.schema ? { schema: String(o.schema) } : {}),
          },
          { includeWrites: Boolean(o.includeWrites), onProgress: progress('replaying statements') },
        );
        const different = diffs.filter((d) => d.outcome === 'different' || d.outcome === 'error').length;
        if (isMachine(o.output)) await printObjects(o.output, diffs);
        else {
          for (const d of diffs) await out(`${d.outcome.toUpperCase().padEnd(9)} #${d.seq} ${a.oneLine(d.sqlText)}\n${d.details.map((x) => `          ${x}\n`).join('')}`);
          await out(`${diffs.filter((d) => d.outcome === 'same').length} same, ${different} different or failed, ${diffs.filter((d) => d.outcome === 'skipped').length} skipped\n`);
        }
        return different > 0 ? 1 : 0;
      }),
    );

  withStore(sessions.command('export <sessionId>'))
    .description('export a session as JSON, CSV (statements) or an HTML evidence report including verification; streamed, damaged ranges marked')
    .addOption(new Option('-o, --output <format>', 'file format').choices(EXPORT_FORMATS).default('json'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--jwks <fileOrUrl>', 'public keys to trust for the verification section')
    .action(
      run(async (id: string, o: StoreOpts & { output: (typeof EXPORT_FORMATS)[number]; out?: string; jwks?: string }) => {
        applyStreamingHeapPolicy();
        const store = await open(o);
        const r = await lib();
        const a = await audit();
        const listing = await r.loadSessionListingForDisplay(store, id);
        const verification = await r.verifySession(store, id, await trustKeys(store, o.jwks));
        const x = { summary: listing.summary, statements: listing.statements, verification, generatedAt: new Date().toISOString(), records: () => r.readSession(store, id), ...(listing.rebuilt ? { rebuilt: true } : {}) };
        const write = o.output === 'csv' ? a.exportCsv : o.output === 'html' ? a.exportHtml : a.exportJson;
        if (!o.out) return void (await write(x, out));
        const file = createWriteStream(o.out);
        let bytes = 0;
        const sink = a.streamSink(file);
        await write(x, (t) => ((bytes += typeof t === 'string' ? Buffer.byteLength(t) : t.length), sink(t)));
        file.end();
        await finished(file);
        process.stderr.write(`wrote ${o.out} (${bytes} bytes); verification ${verification.ok ? 'intact' : 'FAILED'}\n`);
      }),
    );
}

/** `replay -o json|yaml` without --execute: the timeline as objects, streamed. */
async function printTimelineObjects(format: OutputFormat, records: AsyncIterable<RecordingModule.SessionRecord>): Promise<void> {
  const { summarizeEvent } = await audit();
  let first = true;
  if (format === 'json') await out('[');
  for await (const r of records) {
    const item =
      r.kind === 'damage'
        ? { damaged: r.damage }
        : r.event.type === 'result.data'
          ? undefined
          : { seq: r.event.seq, time: r.event.time, type: r.event.type, summary: summarizeEvent(r.event) };
    if (!item) continue;
    if (format === 'json') await out(`${first ? '' : ','}\n  ${JSON.stringify(item)}`);
    else await out(toYaml([item]));
    first = false;
  }
  if (format === 'json') await out(`${first ? '' : '\n'}]\n`);
}
