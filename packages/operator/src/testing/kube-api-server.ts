import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeStore, StoreError, applyPatchBody, type KubeObject, type ResourceType } from './kube-store.js';

/** The resource types the operator uses (and so the simulator serves). */
export const SIMULATED_RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: 'snowtrail.dev', version: 'v1alpha1', plural: 'snowflakeaccesspolicies', kind: 'SnowflakeAccessPolicy', namespaced: true, statusSubresource: true },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
];

/** One request the simulator served (for tests that assert what the client did). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
}

/** Options of the simulated API server. */
export interface KubeApiServerOptions {
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** The service-account issuer served by /.well-known/openid-configuration. */
  issuer?: string;
  /** The JWKS served by /openid/v1/jwks. */
  jwks?: unknown;
  /** gitVersion served by /version (default v1.31.0). */
  version?: string;
}

/** A running simulated API server. */
export interface KubeApiServer {
  url: string;
  store: KubeStore;
  requests: RecordedRequest[];
  /** How many watches were answered 410 Gone. */
  readonly goneCount: number;
  resource(plural: string): ResourceType;
  /** Direct store access (what kubectl would do). */
  create(plural: string, obj: KubeObject): KubeObject;
  get(plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
  update(plural: string, obj: KubeObject): KubeObject;
  remove(plural: string, namespace: string | undefined, name: string): void;
  list(plural: string, namespace?: string): KubeObject[];
  setJwks(jwks: unknown): void;
  /** Ends every open watch stream (clients reconnect from their last resourceVersion). */
  dropWatches(): void;
  /** Makes the next `n` requests whose path contains `pathPart` fail with `status`. */
  failNext(pathPart: string, status: number, n?: number): void;
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The only field selector the operator uses: `metadata.name=<name>`. */
function fieldName(selector: string | undefined): string | undefined {
  return selector ? /(?:^|,)metadata\.name=([^,]+)/.exec(selector)?.[1] : undefined;
}

interface Route {
  res: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths. */
function route(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const res = SIMULATED_RESOURCES.find((r) => r.group === group && r.plural === rest[0]);
  if (!res) return undefined;
  return { res, namespace, name: rest[1], subresource: rest[2] };
}

/**
 * An in-process HTTP server speaking enough of the Kubernetes REST protocol for the operator:
 * list (with resourceVersion), watch (resume from resourceVersion, BOOKMARK events when asked,
 * 410 Gone as an ERROR event once history is compacted), get, create, update (optimistic
 * concurrency), patch (JSON, merge and strategic merge), the status subresource, delete with
 * ownerReference garbage collection, and the service-account issuer discovery endpoints.
 */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const store = new KubeStore();
  const requests: RecordedRequest[] = [];
  let jwks: unknown = options.jwks ?? { keys: [] };
  const issuer = options.issuer ?? 'https://kubernetes.default.svc.cluster.local';
  const watches = new Set<ServerResponse>();
  const failures: { pathPart: string; status: number; left: number }[] = [];
  const bookmarkMs = options.bookmarkIntervalMs ?? 1000;
  let goneCount = 0;

  const serveWatch = (req: IncomingMessage, res: ServerResponse, r: Route, query: Record<string, string>): void => {
    const resource = `${r.res.group}/${r.res.plural}`;
    const byName = fieldName(query.fieldSelector);
    const matches = (o: KubeObject) => (!r.namespace || o.metadata.namespace === r.namespace) && (!byName || o.metadata.name === byName);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const write = (type: string, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    watches.add(res);
    let lastRv = store.resourceVersion;
    const rvParam = query.resourceVersion;
    if (!rvParam || rvParam === '0') {
      for (const o of store.list(r.res, r.namespace, query.labelSelector)) if (matches(o)) write('ADDED', o);
    } else {
      const backlog = store.since(Number(rvParam), resource);
      if (backlog === 'gone') {
        goneCount += 1;
        write('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rvParam} (${store.resourceVersion})`, reason: 'Expired', code: 410 });
        res.end();
        watches.delete(res);
        return;
      }
      for (const e of backlog) if (matches(e.object)) write(e.type, e.object);
    }
    const unsubscribe = store.subscribe((e) => {
      if (e.resource !== resource || !matches(e.object)) return;
      lastRv = e.rv;
      write(e.type, e.object);
    });
    const bookmarks = query.allowWatchBookmarks === 'true'
      ? setInterval(() => write('BOOKMARK', { kind: r.res.kind, apiVersion: r.res.group ? `${r.res.group}/${r.res.version}` : r.res.version, metadata: { resourceVersion: String(Math.max(lastRv, store.resourceVersion)) } }), bookmarkMs)
      : undefined;
    const timeout = query.timeoutSeconds ? setTimeout(() => res.end(), Number(query.timeoutSeconds) * 1000) : undefined;
    const cleanup = () => {
      unsubscribe();
      if (bookmarks) clearInterval(bookmarks);
      if (timeout) clearTimeout(timeout);
      watches.delete(res);
    };
    res.on('close', cleanup);
    req.on('close', cleanup);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers['content-type'];
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, contentType });
    const failure = failures.find((f) => f.left > 0 && url.pathname.includes(f.pathPart));
    if (failure) {
      failure.left -= 1;
      await readBody(req);
      return status(res, failure.status, 'InternalError', 'injected failure');
    }
    if (url.pathname === '/openid/v1/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      return void res.end(JSON.stringify(jwks));
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/openid/v1/jwks`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }));
    }
    if (url.pathname === '/version') {
      const gitVersion = options.version ?? 'v1.31.0';
      const [, major, minor] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ major, minor, gitVersion, platform: 'linux/amd64' }));
    }
    const r = route(url.pathname);
    if (!r) return status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && !r.name) {
        if (query.watch === 'true' || query.watch === '1') return serveWatch(req, res, r, query);
        const byName = fieldName(query.fieldSelector);
        const items = store.list(r.res, r.namespace, query.labelSelector).filter((o) => !byName || o.metadata.name === byName);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ apiVersion: r.res.group ? `${r.res.group}/${r.res.version}` : r.res.version, kind: `${r.res.kind}List`, metadata: { resourceVersion: String(store.resourceVersion) }, items }));
      }
      const body = method === 'GET' || method === 'DELETE' ? undefined : await readBody(req);
      let out: KubeObject;
      if (method === 'GET') {
        const o = store.get(r.res, r.namespace, r.name!);
        if (!o) throw new StoreError(404, 'NotFound', `${r.res.plural}${r.res.group ? `.${r.res.group}` : ''} "${r.name}" not found`);
        out = o;
      } else if (method === 'POST' && !r.name) {
        out = store.create(r.res, r.namespace, JSON.parse(body!));
        res.writeHead(201, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(out));
      } else if (method === 'PUT' && r.name) {
        const obj = JSON.parse(body!) as KubeObject;
        out = store.update(r.res, r.namespace, r.name, obj, r.subresource === 'status' && r.res.statusSubresource ? 'status' : undefined);
      } else if (method === 'PATCH' && r.name) {
        const cur = store.get(r.res, r.namespace, r.name);
        if (!cur) throw new StoreError(404, 'NotFound', `${r.res.plural} "${r.name}" not found`);
        const patched = applyPatchBody(cur, String(contentType ?? ''), JSON.parse(body!));
        const isStatus = r.subresource === 'status' && r.res.statusSubresource;
        // A patch carries no resourceVersion precondition unless the patch itself sets one.
        const sent = (patched.metadata?.resourceVersion === cur.metadata.resourceVersion) ? { ...patched, metadata: { ...patched.metadata, resourceVersion: undefined } } : patched;
        out = store.update(r.res, r.namespace, r.name, sent as KubeObject, isStatus ? 'status' : undefined);
      } else if (method === 'DELETE' && r.name) {
        out = store.delete(r.res, r.namespace, r.name, SIMULATED_RESOURCES);
      } else {
        return status(res, 405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (err) {
      if (err instanceof StoreError) return status(res, err.code, err.reason, err.message);
      if (err instanceof SyntaxError) return status(res, 400, 'BadRequest', `invalid JSON: ${err.message}`);
      return status(res, 500, 'InternalError', (err as Error).message);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => status(res, 500, 'InternalError', err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const resource = (plural: string) => {
    const r = SIMULATED_RESOURCES.find((x) => x.plural === plural);
    if (!r) throw new Error(`unknown resource ${plural}`);
    return r;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    requests,
    get goneCount() {
      return goneCount;
    },
    resource,
    create: (plural, obj) => store.create(resource(plural), obj.metadata.namespace, obj),
    get: (plural, ns, name) => store.get(resource(plural), ns, name),
    update: (plural, obj) => store.update(resource(plural), obj.metadata.namespace, obj.metadata.name!, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }),
    remove: (plural, ns, name) => void store.delete(resource(plural), ns, name, SIMULATED_RESOURCES),
    list: (plural, ns) => store.list(resource(plural), ns),
    setJwks: (next) => {
      jwks = next;
    },
    dropWatches: () => {
      for (const w of watches) w.end();
    },
    failNext: (pathPart, code, n = 1) => void failures.push({ pathPart, status: code, left: n }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watches) w.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
