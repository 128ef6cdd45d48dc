/**
 * `snowtrail sessions`: the auditor's view of recordings in S3 or a directory — list, show, trace,
 * verify, replay, export. Thin: reading, verifying and rendering live in @snowtrail/recording.
 * Exit codes: 0 success (verify: intact), 1 verification failed or other failure, 2 usage,
 * 3 store unreachable or wrong store, 4 store refused the credentials, 5 session not found.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ObjectStore, RecordingEvent, PublishedJwk, SessionSummary, VerifyReport } from '@snowtrail/recording';
import type * as RecordingModule from '@snowtrail/recording';

type Recording = typeof RecordingModule;

interface StoreOpts {
  store?: string;
  endpoint?: string;
  region?: string;
}

const EXIT_BY_CODE: Record<string, number> = {
  SNOWTRAIL_ERR_RECORDING_STORE: 3,
  SNOWTRAIL_ERR_RECORDING_STORE_AUTH: 4,
  SNOWTRAIL_ERR_RECORDING_SESSION_NOT_FOUND: 5,
};

function lib(): Promise<Recording> {
  return import('@snowtrail/recording');
}

/** Parses `--since/--until`: an ISO date/time or a relative age like 30m, 24h, 7d. */
export function parseTime(value: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[rel[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now - Number(rel[1]) * unit * 1000);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw Object.assign(new Error(`not a time: ${value} (use ISO 8601 or an age like 24h, 7d)`), { code: 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE', exitCode: 2 });
  return new Date(t);
}

function withStore(cmd: Command): Command {
  return cmd
    .option('--store <store>', 'where recordings are: s3://bucket/prefix[?endpoint=…&forcePathStyle=true] or dir:/path (env SNOWTRAIL_STORE)')
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, radosgw, s3rver); credentials from the default AWS provider chain')
    .option('--region <region>', 'S3 region (default AWS_REGION or us-east-1)');
}

async function open(opts: StoreOpts): Promise<ObjectStore> {
  const spec = opts.store ?? process.env.SNOWTRAIL_STORE;
  if (!spec) throw Object.assign(new Error('--store is required (s3://bucket/prefix or dir:/path)'), { code: 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE', exitCode: 2 });
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
      const e = err as Error & { code?: string; exitCode?: number };
      process.stderr.write(`snowtrail sessions: ${e.message}${e.code ? ` (${e.code})` : ''}\n`);
      process.exitCode = e.exitCode ?? (e.code ? EXIT_BY_CODE[e.code] : undefined) ?? 1;
    }
  };
}

function out(text: string): void {
  process.stdout.write(text);
}

async function loadEvents(store: ObjectStore, id: string): Promise<RecordingEvent[]> {
  const { readSessionEvents } = await lib();
  const events: RecordingEvent[] = [];
  for await (const e of readSessionEvents(store, id)) events.push(e);
  return events;
}

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
    .description('list sessions from their index objects')
    .option('--namespace <ns>', 'only this namespace')
    .option('--pod <name>', 'only this pod')
    .option('--service-account <sa>', 'only this service account')
    .option('--since <time>', 'sessions active after (ISO time or age like 24h)')
    .option('--until <time>', 'sessions started before')
    .option('--contains <sql>', 'only sessions with a statement containing this text (case-insensitive)')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--json', 'same as -o json')
    .action(
      run(async (o: StoreOpts & { namespace?: string; pod?: string; serviceAccount?: string; since?: string; until?: string; contains?: string; output: string; json?: boolean }) => {
        const store = await open(o);
        const { listSessions, renderSessionList } = await lib();
        const items = await listSessions(
          store,
          {
            ...(o.namespace ? { namespace: o.namespace } : {}),
            ...(o.pod ? { pod: o.pod } : {}),
            ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
            ...(o.since ? { since: parseTime(o.since) } : {}),
            ...(o.until ? { until: parseTime(o.until) } : {}),
            ...(o.contains ? { contains: o.contains } : {}),
          },
          progress('reading session indexes'),
        );
        if (o.json || o.output === 'json') out(JSON.stringify(items.map(flatListing), null, 2) + '\n');
        else out(items.length === 0 ? 'no sessions found\n' : renderSessionList(items));
      }),
    );

  withStore(sessions.command('show <sessionId>'))
    .description('the timeline of a session: identity, statements, outcomes, rows, durations')
    .option('--results', 'print the recorded result rows (JSON and Arrow decoded)')
    .option('--max-rows <n>', 'rows printed per statement with --results', '20')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(
      run(async (id: string, o: StoreOpts & { results?: boolean; maxRows: string; output: string }) => {
        const store = await open(o);
        const r = await lib();
        const listing = await r.loadSessionListing(store, id);
        const events = await loadEvents(store, id);
        if (o.output === 'json') {
          out(JSON.stringify({ summary: listing.summary, statements: listing.statements }, null, 2) + '\n');
          return;
        }
        out(r.renderSessionShow(listing.summary, listing.statements, events));
        if (o.results) {
          const parts = r.collectResultParts(events);
          const max = Number(o.maxRows);
          for (const st of listing.statements) {
            let rows;
            try {
              rows = r.rowsOfStatement(parts, { querySeq: st.seq, ...(st.requestId ? { requestId: st.requestId } : {}) });
            } catch (err) {
              out(`\n#${st.seq} ${r.oneLine(st.sqlText)}\n  (result could not be decoded: ${(err as Error).message})\n`);
              continue;
            }
            if (!rows) continue;
            const redacted = parts.filter((p) => p.querySeq === st.seq && p.redaction).flatMap((p) => p.redaction!.columns);
            out(`\n#${st.seq} ${r.oneLine(st.sqlText)} — ${rows.rows.length} row(s)${redacted.length > 0 ? `, redacted columns: ${[...new Set(redacted)].join(', ')}` : ''}\n`);
            out(r.renderTable(rows.columns, rows.rows.slice(0, max).map((row) => row.map((c) => (c === null || c === undefined ? 'NULL' : typeof c === 'object' ? JSON.stringify(c) : String(c))))));
            if (rows.rows.length > max) out(`… ${rows.rows.length - max} more row(s)\n`);
          }
        }
      }),
    );

  withStore(sessions.command('trace <object>'))
    .description('every recorded statement that wrote (or read) DATABASE.SCHEMA.OBJECT, newest first, from the index')
    .option('--since <time>', 'statements after')
    .option('--until <time>', 'statements before')
    .option('--writes', 'statements that wrote the object (default)')
    .option('--reads', 'statements that read the object')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(
      run(async (object: string, o: StoreOpts & { since?: string; until?: string; writes?: boolean; reads?: boolean; output: string }) => {
        const store = await open(o);
        const { traceObject, renderTrace } = await lib();
        const relation = o.reads && o.writes ? 'both' : o.reads ? 'reads' : 'writes';
        const hits = await traceObject(store, object, { relation, ...(o.since ? { since: parseTime(o.since) } : {}), ...(o.until ? { until: parseTime(o.until) } : {}) }, progress('reading session indexes'));
        if (o.output === 'json') out(JSON.stringify(hits, null, 2) + '\n');
        else out(hits.length === 0 ? `no recorded statement ${relation === 'reads' ? 'read' : 'wrote'} ${object}\n` : renderTrace(hits));
      }),
    );

  withStore(sessions.command('verify [sessionId]'))
    .description('check hash chain, signed digests and segment completeness; exit 0 only when intact')
    .option('--all', 'verify every session in the store')
    .option('--jwks <fileOrUrl>', 'public keys to trust (default: the keys published in the store)')
    .option('--allow-open', 'pass sessions that are intact so far but still open (their last digest is not final); a live session cannot be told from one whose last digests were removed, so use this only where pipelines may still be running')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(
      run(async (id: string | undefined, o: StoreOpts & { all?: boolean; jwks?: string; output: string; allowOpen?: boolean }) => {
        if (!id && !o.all) throw Object.assign(new Error('give a session id or --all'), { code: 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE', exitCode: 2 });
        const store = await open(o);
        const r = await lib();
        const keys = await trustKeys(store, o.jwks);
        const ids = o.all ? await r.listSessionIds(store) : [id!];
        if (!o.all) await r.loadSessionListing(store, id!).catch(async (err: { code?: string }) => {
          // A session with segments but no index part is still verified (and fails for its missing digest).
          if (err.code === r.RECORDING_ERRORS.sessionNotFound && (await r.listSegmentKeys(store, id!).catch(() => [])).length === 0) throw err;
        });
        const reports: VerifyReport[] = [];
        const tick = progress('verifying sessions');
        for (const sid of ids) {
          const verified = await r.verifySession(store, sid, keys);
          const rep = o.allowOpen ? r.allowOpenSession(verified) : verified;
          reports.push(rep);
          tick(reports.length, ids.length);
          if (o.output !== 'json') out(r.renderVerify(rep));
        }
        const failed = reports.filter((x) => !x.ok).length;
        if (o.output === 'json') out(JSON.stringify(o.all ? reports : reports[0], null, 2) + '\n');
        else if (o.all) out(`${reports.length} session(s) verified, ${failed} failed\n`);
        return failed > 0 ? 1 : 0;
      }),
    );

  withStore(sessions.command('replay <sessionId>'))
    .description('replay the timeline at the original pace, or re-execute the statements against a target and diff results')
    .option('--speed <n>', 'pace multiplier (0: no pauses)', '1')
    .option('--execute', 're-run the statements against --target and diff the results')
    .option('--target <url>', 'Snowflake (or emulator) URL, e.g. https://acct.snowflakecomputing.com')
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
    .option('-o, --output <format>', 'text or json', 'text')
    .action(
      run(async (id: string, o: StoreOpts & Record<string, string | boolean | undefined>) => {
        const store = await open(o);
        const r = await lib();
        await r.loadSessionListing(store, id);
        const events = await loadEvents(store, id);
        if (!o.execute) {
          await r.replayTimeline(events, { speed: Number(o.speed), write: out });
          return 0;
        }
        if (!o.target || !o.account || !o.user) throw Object.assign(new Error('--execute needs --target, --account and --user'), { code: 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE', exitCode: 2 });
        const password = process.env[String(o.passwordEnv)];
        const token = o.tokenFile ? (await readFile(String(o.tokenFile), 'utf8')).trim() : undefined;
        const diffs = await r.replayExecute(
          events,
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
        if (o.output === 'json') out(JSON.stringify(diffs, null, 2) + '\n');
        else for (const d of diffs) out(`${d.outcome.toUpperCase().padEnd(9)} #${d.seq} ${r.oneLine(d.sqlText)}\n${d.details.map((x) => `          ${x}\n`).join('')}`);
        const different = diffs.filter((d) => d.outcome === 'different' || d.outcome === 'error').length;
        if (o.output !== 'json') out(`${diffs.filter((d) => d.outcome === 'same').length} same, ${different} different or failed, ${diffs.filter((d) => d.outcome === 'skipped').length} skipped\n`);
        return different > 0 ? 1 : 0;
      }),
    );

  withStore(sessions.command('export <sessionId>'))
    .description('export a session as JSON, CSV (statements) or an HTML evidence report including verification')
    .option('-o, --output <format>', 'json, csv or html', 'json')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--jwks <fileOrUrl>', 'public keys to trust for the verification section')
    .action(
      run(async (id: string, o: StoreOpts & { output: string; out?: string; jwks?: string }) => {
        if (!['json', 'csv', 'html'].includes(o.output)) throw Object.assign(new Error(`unknown export format ${o.output} (json, csv or html)`), { code: 'SNOWTRAIL_ERR_RECORDING_CLI_USAGE', exitCode: 2 });
        const store = await open(o);
        const r = await lib();
        const listing = await r.loadSessionListing(store, id);
        const events = await loadEvents(store, id);
        const verification = await r.verifySession(store, id, await trustKeys(store, o.jwks));
        const x = { summary: listing.summary, statements: listing.statements, events, verification, generatedAt: new Date().toISOString() };
        const text = o.output === 'csv' ? r.exportCsv(x) : o.output === 'html' ? r.exportHtml(x) : r.exportJson(x);
        if (o.out) {
          await writeFile(o.out, text);
          process.stderr.write(`wrote ${o.out} (${text.length} bytes); verification ${verification.ok ? 'intact' : 'FAILED'}\n`);
        } else out(text);
      }),
    );
}
