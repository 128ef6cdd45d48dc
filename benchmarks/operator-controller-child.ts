/**
 * Child process of benchmarks/operator.ts: runs only the policy controller against the API server
 * URL it is given, so its memory is measured without the API server's. Prints one JSON line.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKubeClients, createOperatorMetrics, kubeConfigForServer, startController } from '@snowtrail/operator';

const url = process.argv[2]!;
const expected = Number(process.argv[3]);
const gc = (globalThis as { gc?: () => void }).gc;
const mem = () => {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
};
const before = mem();
const t0 = performance.now();
const controller = startController({
  clients: createKubeClients(kubeConfigForServer(url)),
  logger: pino({ level: 'silent' }),
  metrics: createOperatorMetrics(new Registry()),
  identity: 'bench',
  concurrency: 8,
});
await controller.synced();
const synced = performance.now() - t0;
controller.setLeader(true);
for (;;) {
  await new Promise((r) => setTimeout(r, 200));
  await controller.idle();
  let ready = 0;
  for (let i = 0; i < expected; i++) {
    const p = controller.getPolicy(`team-${i % 10}`, `policy-${i}`);
    if (p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
  }
  if (ready === expected) break;
}
const reconciled = performance.now() - t0;
const after = mem();
process.stdout.write(`${JSON.stringify({ before, after, syncedMs: synced, reconciledMs: reconciled })}\n`);
await controller.stop();
process.exit(0);
