import { hostname } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { serveUntilSignal } from '../serve-until-signal.js';

interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  namespace?: string;
  podNamespace: string;
  identity: string;
  webhookHost: string;
  webhookPort: number;
  metricsHost: string;
  metricsPort: number;
  leaderElect: boolean;
  certMode: string;
  certDir: string;
  certSecret: string;
  webhookService: string;
  webhookConfig: string;
  image?: string;
  nativeSidecars: string;
  issuer?: string;
  jwksRefreshSeconds: number;
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses a port flag (0..65535); a malformed value is a usage error (exit 2). */
export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number 0..65535.');
  return Number(value);
}

/** Parses a positive whole number of seconds; a malformed value is a usage error (exit 2). */
export function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of seconds, at least 1.');
  return Number(value);
}

/** Registers `snowtrail operator`: the controller, the mutating webhook and their metrics. */
export function register(program: Command): void {
  program
    .command('operator')
    .description('Run the snowtrail operator (SnowflakeAccessPolicy controller and injecting webhook), in or out of a cluster')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: in-cluster when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG / ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--in-cluster', 'force in-cluster configuration')
    .option('-n, --namespace <ns>', 'watch policies, Secrets and pods in one namespace only (default: all)')
    .option('--pod-namespace <ns>', 'namespace of the operator (Lease, certificate Secret)', process.env.POD_NAMESPACE ?? 'snowtrail-system')
    .option('--identity <id>', 'identity of this replica in leader election', process.env.POD_NAME ?? hostname())
    .option('--webhook-host <addr>', 'webhook listen address', '0.0.0.0')
    .option('--webhook-port <port>', 'webhook HTTPS port', parsePort, 9443)
    .option('--metrics-host <addr>', 'metrics/probes listen address', '0.0.0.0')
    .option('--metrics-port <port>', 'metrics/probes HTTP port (/metrics, /healthz, /readyz)', parsePort, 8080)
    .option('--leader-elect', 'elect a leader through a Lease (run several replicas)', false)
    .addOption(new Option('--cert-mode <mode>', 'webhook TLS: self (own CA, rotated, caBundle kept current) or cert-manager (mounted Secret)').choices(['self', 'cert-manager']).default('self'))
    .option('--cert-dir <dir>', 'cert-manager mode: directory holding tls.crt and tls.key', '/var/run/snowtrail/webhook-tls')
    .option('--cert-secret <name>', 'self mode: Secret holding the CA and serving certificate', 'snowtrail-webhook-tls')
    .option('--webhook-service <name>', 'Service in front of the webhook (certificate names)', 'snowtrail-webhook')
    .option('--webhook-config <name>', 'MutatingWebhookConfiguration whose caBundle is kept current', 'snowtrail-webhook')
    .option('--image <image>', 'sidecar image (a policy may override it)')
    .addOption(new Option('--native-sidecars <mode>', 'auto (from the API server version), true or false (the <1.29 fallback)').choices(['auto', 'true', 'false']).default('auto'))
    .option('--issuer <url>', 'service-account issuer to render (default: discovered from the API server)')
    .option('--jwks-refresh-seconds <s>', 'how often the API server\'s JWKS is re-read', parseSeconds, 60)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default(LOG_LEVELS.includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info'))
    .action(async (flags: OperatorFlags) => {
      const [{ pino }, op] = await Promise.all([import('pino'), import('@snowtrail/operator')]);
      const logger = pino({ level: flags.logLevel, base: { component: 'operator' }, redact: ['*.token', '*.password', '*.privateKey', 'req.headers.authorization'] });
      const kubeConfig = op.loadKubeConfig({ kubeconfig: flags.kubeconfig, inCluster: flags.inCluster, context: flags.context });
      const handle = await op.startOperator({
        clients: op.createKubeClients(kubeConfig),
        logger,
        podNamespace: flags.podNamespace,
        identity: flags.identity,
        watchNamespace: flags.namespace,
        webhook: { host: flags.webhookHost, port: flags.webhookPort },
        metrics: { host: flags.metricsHost, port: flags.metricsPort },
        leaderElect: flags.leaderElect,
        certMode: flags.certMode as 'self' | 'cert-manager',
        certDir: flags.certDir,
        certSecretName: flags.certSecret,
        webhookServiceName: flags.webhookService,
        webhookConfigName: flags.webhookConfig,
        image: flags.image,
        nativeSidecars: flags.nativeSidecars === 'auto' ? 'auto' : flags.nativeSidecars === 'true',
        issuer: flags.issuer,
        jwksRefreshMs: flags.jwksRefreshSeconds * 1000,
        version: process.env.SNOWTRAIL_VERSION ?? '0.1.0',
      });
      process.stdout.write(`snowtrail operator webhook listening on ${handle.webhookUrl}, metrics on ${handle.metricsUrl}\n`);
      await serveUntilSignal(handle, logger);
    });
}
