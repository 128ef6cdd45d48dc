import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { SidecarConfig } from '@snowtrail/config';
import type { Recorder } from '@snowtrail/recording';
import { createAdminServer } from './admin-server.js';
import { DEFAULT_REQUEST_BUDGET_BYTES, SMALL_REQUEST_BYTES, smallRequestReserve } from './body-limits.js';
import { ChunkRegistry } from './chunk-registry.js';
import { InFlightBudget } from './in-flight-budget.js';
import { RefusalLog } from './refusal-log.js';
import { watchConfigFile, type ConfigWatcher } from './config-reload.js';
import { SIDECAR_ERRORS, SidecarError } from './errors.js';
import { createIdentityVerifier } from './identity.js';
import { createFileJwksSource, createRemoteJwksSource } from './jwks-source.js';
import { answerClientError } from './http-io.js';
import { createSidecarLogger } from './logger.js';
import { createSidecarMetrics, zeroRecordingCounters } from './metrics.js';
import { KnownQueries, type ProxyContext } from './proxy-context.js';
import { createProxyHandler, endSession } from './proxy-server.js';
import { SessionTable } from './session-table.js';
import { UpstreamClient } from './upstream-client.js';
import { checkUpstreamCredential, createUpstreamCredential } from './upstream-credential.js';

/** Options of startSidecar. */
export interface SidecarOptions {
  config: SidecarConfig;
  /** Watched for hot reload when given. */
  configPath?: string;
  logger?: Logger;
  registry?: Registry;
  /** The recording writer; built from `config.recording` with @snowtrail/recording's createRecorder when absent. */
  recorder?: Recorder;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number;
  /** How often expired sessions and capabilities are swept (default 30 s). */
  sweepIntervalMs?: number;
  /** Request body memory (weighted bytes) held at once before new requests get a retryable 429 (default 64 MiB, ADR 0025). */
  requestBudgetBytes?: number;
  /** Window over which refused logins from one source are aggregated into one record (default 60 s). */
  refusalWindowMs?: number;
}

/** A running sidecar. */
export interface SidecarHandle {
  /** Driver-facing base URL (the driver's accessUrl). */
  url: string;
  adminUrl: string;
  registry: Registry;
  /** Re-reads the config file now (what the watcher does on a change). */
  reloadConfig(): Promise<'success' | 'failure' | 'unchanged'>;
  /** Stops listening, ends every session (recorded as shutdown), flushes the recorder. */
  close(): Promise<void>;
}

/** Answer bodies the sidecar buffers to rewrite (login, token, query answers) are capped at this. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new SidecarError(SIDECAR_ERRORS.listenFailed, `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

function urlOf(scheme: string, a: AddressInfo): string {
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${scheme}://${host}:${a.port}`;
}

/**
 * The production recorder: @snowtrail/recording's writer built from `config.recording`, on the
 * sidecar's registry. Imported on demand so an injected recorder does not load the S3 SDK.
 */
async function defaultRecorder(config: SidecarConfig, registry: Registry, logger: Logger): Promise<Recorder> {
  const { createRecorder } = await import('@snowtrail/recording');
  // Format v2 unless the config keeps v1 (for readers of the store that only know v1).
  return createRecorder({ config: config.recording, registry, logger, formatVersion: config.recording.formatVersion ?? 2 });
}

/** Starts the sidecar: driver-facing proxy, admin server, config watcher. */
export async function startSidecar(options: SidecarOptions): Promise<SidecarHandle> {
  const env = options.env ?? process.env;
  let config = options.config;
  const version = env.SNOWTRAIL_VERSION ?? '0.1.0';
  const logger = options.logger ?? createSidecarLogger(config.logLevel);
  const registry = options.registry ?? new Registry();
  const metrics = createSidecarMetrics(registry, version, { processMetrics: config.admin.processMetrics });
  const now = options.now ?? Date.now;
  const podUid = env.SNOWTRAIL_POD_UID || config.identity.podUid;
  if (!podUid) throw new SidecarError(SIDECAR_ERRORS.podUidMissing, 'the pod uid is unknown: set SNOWTRAIL_POD_UID (the injector does, from the downward API) or identity.podUid');

  const credential = createUpstreamCredential(config.upstream, now);
  await checkUpstreamCredential(credential);
  const source = config.identity.jwksUri ? createRemoteJwksSource(config.identity.jwksUri) : createFileJwksSource(config.identity.jwksFile!);
  const verifyIdentity = createIdentityVerifier({
    source,
    now,
    // Read per login, so a reloaded config applies to the next one (the env var still wins).
    settings: () => ({
      issuer: config.identity.issuer,
      audiences: config.identity.audiences,
      podUid: env.SNOWTRAIL_POD_UID || config.identity.podUid || podUid,
      allowedSubjects: config.identity.allowedSubjects,
      clockSkewSeconds: config.identity.clockSkewSeconds,
    }),
  });
  const recorder = options.recorder ?? (await defaultRecorder(config, registry, logger));
  zeroRecordingCounters(registry);
  const upstream = new UpstreamClient({ url: config.upstream.url, timeoutMs: config.upstream.timeoutSeconds * 1000, maxAnswerBytes: MAX_ANSWER_BYTES });
  const budgetBytes = options.requestBudgetBytes ?? DEFAULT_REQUEST_BUDGET_BYTES;
  const ctx: ProxyContext = {
    config: () => config,
    logger,
    metrics,
    sessions: new SessionTable(),
    chunks: new ChunkRegistry(undefined, (n) => metrics.chunkCapabilities.set(n)),
    recorder,
    upstream,
    credential,
    verifyIdentity,
    knownQueries: new KnownQueries(),
    refusals: new RefusalLog({ record: (info) => recorder.authFailure(info), now, ...(options.refusalWindowMs ? { windowMs: options.refusalWindowMs } : {}) }),
    budget: new InFlightBudget(budgetBytes, (n) => metrics.inFlightBytes.set(n), smallRequestReserve(budgetBytes), SMALL_REQUEST_BYTES),
    endings: new Set(),
    now,
  };

  const handler = createProxyHandler(ctx);
  const tls = config.listen.tls;
  const server: Server = tls ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  let ready = false;
  const admin = createAdminServer({ registry, ready: () => ready });
  let address: AddressInfo;
  let adminAddress: AddressInfo;
  try {
    address = await listen(server, config.listen.port, config.listen.host);
    adminAddress = await listen(admin, config.admin.port, config.admin.host);
  } catch (err) {
    server.close();
    admin.close();
    await upstream.close();
    throw err;
  }

  let watcher: ConfigWatcher | undefined;
  if (options.configPath) {
    watcher = watchConfigFile({
      path: options.configPath,
      current: () => config,
      apply: (next) => {
        config = next;
        logger.level = next.logLevel;
      },
      logger,
      metrics,
    });
  }
  const sweeper = setInterval(() => {
    const t = now();
    for (const entry of ctx.sessions.sweep(t)) void endSession(ctx, entry, 'expired');
    ctx.chunks.sweep(t);
    ctx.refusals.flush(t).catch((err: unknown) => logger.warn({ err }, 'login refusal summary not recorded'));
  }, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();
  ready = true;
  const url = urlOf(tls ? 'https' : 'http', address);
  const adminUrl = urlOf('http', adminAddress);
  logger.info({ url, adminUrl, policy: config.policy.name, mode: recorder.mode }, 'sidecar listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    adminUrl,
    registry,
    reloadConfig: () => (watcher ? watcher.reload() : Promise.resolve('unchanged' as const)),
    close() {
      closing ??= (async () => {
        ready = false;
        watcher?.close();
        clearInterval(sweeper);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.all(ctx.sessions.all().map((e) => endSession(ctx, e, 'shutdown')));
        // Give in-flight requests a moment, then cut what is left.
        const timer = setTimeout(() => server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(timer);
        // A session ended by a logout or an expiry may still be recording its end (and, best-effort,
        // the answers committed after they went out): the recorder closes after them.
        await Promise.all(ctx.endings);
        await ctx.refusals.flush(now(), true).catch((err: unknown) => logger.warn({ err }, 'login refusal summary not recorded'));
        await recorder.close().catch((err: unknown) => logger.error({ err }, 'recorder close failed'));
        await upstream.close();
        await new Promise<void>((resolve) => {
          admin.close(() => resolve());
          admin.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
