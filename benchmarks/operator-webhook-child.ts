/**
 * Child process of benchmarks/operator.ts: the webhook server alone (as in a cluster, where the
 * API server is another process). Prints {url, caPem} once listening; answers "cpu" on stdin with
 * its CPU time so the parent can report server CPU per review.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createCertificateAuthority, createOperatorMetrics, issueServingCertificate, startWebhookServer, type SnowflakeAccessPolicy } from '@snowtrail/operator';
import { parseYaml } from '@snowtrail/operator/testing';

const testdata = fileURLToPath(new URL('../packages/operator/testdata/inject/', import.meta.url));
const now = new Date();
const ca = await createCertificateAuthority({ commonName: 'bench-ca', validityDays: 1, now });
const tls = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1, now });
const policy = parseYaml(readFileSync(`${testdata}deployment-pod/policy.yaml`, 'utf8')) as SnowflakeAccessPolicy;
const server = await startWebhookServer({ tls, lookup: (ns, name) => (ns === 'pipelines' && name === 'etl' ? policy : undefined), logger: pino({ level: 'silent' }), metrics: createOperatorMetrics(new Registry(), { defaultMetrics: false }) });
process.stdout.write(`${JSON.stringify({ url: server.url, caPem: ca.certPem })}\n`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'cpu') {
    const c = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuUs: c.user + c.system })}\n`);
  }
});
rl.on('close', () => void server.close().then(() => process.exit(0)));
