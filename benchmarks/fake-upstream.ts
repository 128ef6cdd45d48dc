/**
 * A fast Snowflake stand-in for benchmarks: answers logins and statements from memory and serves
 * result chunks from pre-built gzip buffers, so a benchmark measures the proxy in front of it, not
 * a database. Its answers have the shape the emulator gives (docs/protocol.md §3, §4.3, §6): a
 * success envelope with `rowtype`, `rowset`, `returned`, a UUID `queryId`, and for large results
 * `chunks` with absolute URLs plus `qrmk`/`chunkHeaders` (SSE-C headers the chunk GET must carry).
 *
 * Statements it knows (anything else answers one row like `select 1`):
 *  - `select 1` (any text not below): one inline row;
 *  - `select * from rows_<N>`: N rows of (id, text, timestamp), the first 1,000 inline, the rest
 *    in gzip chunks of 50,000 rows built once per N (call `prepare(N)` before timing).
 * Chunk URLs are built from the request's Host header, so a reverse proxy that forwards Host (nginx
 * here) also carries the chunk downloads, as the sidecar does with its own chunk URLs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildSuccessEnvelope } from '@snowtrail/protocol';

const INLINE_ROWS = 1000;
const ROWS_PER_CHUNK = 50_000;
const ROWS_SQL = /^\s*select \* from rows_(\d+)\s*$/i;

/** A result held in memory: its inline rows and its gzip chunks. */
interface PreparedResult {
  inline: string[][];
  chunks: { body: Buffer; rowCount: number; uncompressedSize: number }[];
  capability: string;
}

/** A running fake upstream. */
export interface FakeUpstream {
  url: string;
  /** Builds (once) the result of `select * from rows_<rows>`, so building it is not timed. */
  prepare(rows: number): PreparedResult;
  /** Counts of what it answered, to check a benchmark went where it meant to. */
  counts: { logins: number; queries: number; chunks: number };
  close(): Promise<void>;
}

const ROWTYPE_SMALL = [{ name: 'X', type: 'fixed', nullable: false, precision: 1, scale: 0, length: null, byteLength: null, database: '', schema: '', table: '', collation: null }];
const ROWTYPE_ROWS = [
  { name: 'ID', type: 'fixed', nullable: false, precision: 38, scale: 0, length: null, byteLength: null, database: 'BENCH', schema: 'PUBLIC', table: 'ROWS', collation: null },
  { name: 'NAME', type: 'text', nullable: true, precision: null, scale: null, length: 16777216, byteLength: 16777216, database: 'BENCH', schema: 'PUBLIC', table: 'ROWS', collation: null },
  { name: 'AT', type: 'timestamp_ntz', nullable: true, precision: 0, scale: 9, length: null, byteLength: null, database: 'BENCH', schema: 'PUBLIC', table: 'ROWS', collation: null },
];
const PARAMETERS = [
  { name: 'TIMEZONE', value: 'UTC' },
  { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
  { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
];
const SESSION_INFO = { databaseName: 'BENCH', schemaName: 'PUBLIC', warehouseName: 'BENCH_WH', roleName: 'PUBLIC' };

/** Row i of the large result, cells encoded as the wire carries them (§4.4). */
function row(i: number): string[] {
  return [String(i), `row-${i}-${(i * 2654435761) % 1000003}`, `${1704067200 + i}.123456789`];
}

/** Builds a result of `rows` rows: inline rows, then gzip chunks (the rows without outer brackets, §6.2). */
export function buildResult(rows: number): PreparedResult {
  const inline: string[][] = [];
  for (let i = 0; i < Math.min(rows, INLINE_ROWS); i++) inline.push(row(i));
  const chunks: PreparedResult['chunks'] = [];
  for (let start = INLINE_ROWS; start < rows; start += ROWS_PER_CHUNK) {
    const end = Math.min(rows, start + ROWS_PER_CHUNK);
    const parts: string[] = [];
    for (let i = start; i < end; i++) parts.push(JSON.stringify(row(i)));
    const text = Buffer.from(parts.join(','));
    chunks.push({ body: gzipSync(text, { level: 6 }), rowCount: end - start, uncompressedSize: text.length });
  }
  return { inline, chunks, capability: randomBytes(16).toString('hex') };
}

function sseHeaders(key: string): Record<string, string> {
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': key,
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(Buffer.from(key, 'base64')).digest('base64'),
  };
}

function send(res: ServerResponse, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function storageError(res: ServerResponse, status: number, code: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/** The statement text of a query-request body (plain or gzip JSON, §1.3); '' when unreadable. */
async function sqlTextOf(req: IncomingMessage): Promise<string> {
  let bytes = await readBody(req);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  try {
    return String((JSON.parse(bytes.toString()) as { sqlText?: unknown }).sqlText ?? '');
  } catch {
    return '';
  }
}

/** Starts the fake upstream on 127.0.0.1 (an ephemeral port). */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const results = new Map<number, PreparedResult>();
  const byCapability = new Map<string, PreparedResult>();
  const sseKey = randomBytes(32).toString('base64');
  const sse = sseHeaders(sseKey);
  const counts = { logins: 0, queries: 0, chunks: 0 };
  const prepare = (rows: number): PreparedResult => {
    let r = results.get(rows);
    if (!r) {
      r = buildResult(rows);
      results.set(rows, r);
      byCapability.set(r.capability, r);
    }
    return r;
  };

  const answerQuery = (sql: string, origin: string): unknown => {
    counts.queries++;
    const m = ROWS_SQL.exec(sql);
    const base = { parameters: PARAMETERS, queryId: randomUUID(), finalDatabaseName: 'BENCH', finalSchemaName: 'PUBLIC', finalWarehouseName: 'BENCH_WH', finalRoleName: 'PUBLIC', numberOfBinds: 0, arrayBindSupported: false, statementTypeId: 4096, version: 1, sendResultTime: Date.now(), queryResultFormat: 'json', databaseProvider: null };
    if (!m) return buildSuccessEnvelope({ ...base, rowtype: ROWTYPE_SMALL, rowset: [['1']], total: 1, returned: 1 });
    const r = prepare(Number(m[1]));
    const total = r.inline.length + r.chunks.reduce((n, c) => n + c.rowCount, 0);
    return buildSuccessEnvelope({
      ...base, rowtype: ROWTYPE_ROWS, rowset: r.inline, total, returned: total,
      ...(r.chunks.length > 0
        ? {
            chunks: r.chunks.map((c, i) => ({ url: `${origin}/__chunks/${r.capability}/${i}`, rowCount: c.rowCount, uncompressedSize: c.uncompressedSize, compressedSize: c.body.length })),
            qrmk: sseKey,
            chunkHeaders: sse,
          }
        : {}),
    });
  };

  const serveChunk = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    req.resume();
    const [, , capability, index] = path.split('/');
    const chunk = byCapability.get(capability ?? '')?.chunks[Number(index)];
    if (!chunk || req.headers['x-amz-server-side-encryption-customer-key'] !== sseKey) return storageError(res, 403, 'AccessDenied');
    counts.chunks++;
    res.writeHead(200, { 'content-type': 'binary/octet-stream', 'content-encoding': 'gzip', 'content-length': chunk.body.length });
    res.end(chunk.body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const origin = `http://${req.headers.host ?? 'fake'}`;
    if (url.pathname.startsWith('/__chunks/')) return serveChunk(req, res, url.pathname);
    if (url.pathname === '/session/v1/login-request') {
      counts.logins++;
      req.resume();
      return send(res, buildSuccessEnvelope({
        token: `fake-token-${randomUUID()}`, validityInSeconds: 3600, masterToken: `fake-master-${randomUUID()}`, masterValidityInSeconds: 14400,
        sessionId: counts.logins, parameters: PARAMETERS, sessionInfo: SESSION_INFO, displayUserName: 'BENCH', serverVersion: '8.48.0',
        firstLogin: false, remMeToken: null, remMeValidityInSeconds: 0, healthCheckInterval: 45, newClientForUpgrade: null, idToken: null,
      }));
    }
    if (url.pathname === '/queries/v1/query-request') {
      void sqlTextOf(req).then((sql) => send(res, answerQuery(sql, origin)), () => storageError(res, 500, 'InternalError'));
      return;
    }
    if (url.pathname === '/session/token-request') {
      req.resume();
      return send(res, buildSuccessEnvelope({ sessionToken: `fake-token-${randomUUID()}`, validityInSecondsST: 3600, masterToken: `fake-master-${randomUUID()}`, validityInSecondsMT: 14400, sessionId: 1 }));
    }
    // Heartbeat, logout, telemetry and the rest: an empty success.
    req.resume();
    send(res, buildSuccessEnvelope(null));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    prepare,
    counts,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
