import { existsSync } from 'node:fs';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AdmissionregistrationV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { OPERATOR_ERRORS, OperatorError } from '../errors.js';

/** The API clients the operator uses, made from one KubeConfig. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
  admission: AdmissionregistrationV1Api;
  /** GETs a non-resource path (/version, /openid/v1/jwks) and parses the JSON answer. */
  getJson(path: string): Promise<unknown>;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Why the default chain ($KUBECONFIG, ~/.kube/config, in-cluster) would find nothing, or undefined
 * when it finds something. client-node falls back to http://localhost:8080 in that case, which
 * would surface much later as an unrelated connection failure.
 */
export function missingDefaultKubeConfig(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = existsSync): string | undefined {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) {
    return listed.some(exists) ? undefined : `KUBECONFIG names ${listed.join(delimiter)}, and no such file exists`;
  }
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (home && exists(join(home, '.kube', 'config'))) return undefined;
  if (env.KUBERNETES_SERVICE_HOST && exists(SERVICE_ACCOUNT_TOKEN)) return undefined;
  return `no Kubernetes client configuration found: no --kubeconfig, KUBECONFIG is unset, ${join(home || '~', '.kube', 'config')} does not exist, and this is not a pod with a service-account token`;
}

/** Loads in-cluster config, a kubeconfig file, or the default chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(options: { kubeconfig?: string; inCluster?: boolean; context?: string; env?: NodeJS.ProcessEnv }): KubeConfig {
  const kc = new KubeConfig();
  if (!options.inCluster && !options.kubeconfig) {
    const missing = missingDefaultKubeConfig(options.env);
    if (missing) throw new OperatorError(OPERATOR_ERRORS.kubeconfig, missing);
  }
  if (options.inCluster && !existsSync(SERVICE_ACCOUNT_TOKEN)) throw new OperatorError(OPERATOR_ERRORS.kubeconfig, `in-cluster configuration requested, but there is no service-account token at ${SERVICE_ACCOUNT_TOKEN} (pass --kubeconfig outside a pod)`);
  if (options.kubeconfig && !existsSync(options.kubeconfig)) throw new OperatorError(OPERATOR_ERRORS.kubeconfig, `the kubeconfig ${options.kubeconfig} does not exist`);
  try {
    if (options.inCluster) kc.loadFromCluster();
    else if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
  } catch (err) {
    throw new OperatorError(OPERATOR_ERRORS.kubeconfig, `cannot load Kubernetes client configuration: ${(err as Error).message}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) throw new OperatorError(OPERATOR_ERRORS.kubeconfig, 'the Kubernetes client configuration has no current cluster');
  return kc;
}

/** A KubeConfig for a plain server URL with a bearer token (tests, benchmarks, `--server`). */
export function kubeConfigForServer(server: string, token = 'snowtrail-test'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is explicitly off (there is no TLS to verify).
    clusters: [{ name: 'target', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'operator', token }],
    contexts: [{ name: 'target', cluster: 'target', user: 'operator' }],
    currentContext: 'target',
  });
  return kc;
}

/** Builds the API clients. */
export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  const getJson = async (path: string): Promise<unknown> => {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new OperatorError(OPERATOR_ERRORS.kubeconfig, 'no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    const opts: RequestOptions & Record<string, unknown> = { method: 'GET', headers: { accept: 'application/json' } };
    await kubeConfig.applyToHTTPSOptions(opts as never);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(Object.assign(new OperatorError(OPERATOR_ERRORS.kubeApi, `GET ${path}: HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(new OperatorError(OPERATOR_ERRORS.kubeApi, `GET ${path}: not JSON`, { cause: err }));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new OperatorError(OPERATOR_ERRORS.kubeApi, `GET ${path}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  };
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    admission: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    getJson,
  };
}

/** HTTP status of a client-node ApiException (or our own raw errors), if any. */
export function apiStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}
