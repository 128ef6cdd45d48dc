/**
 * Chunk throughput of the Arrow drivers: snowflake-jdbc and the Python connector reading a large
 * chunked result in Arrow (and in JSON for comparison), directly from the emulator and through the
 * sidecar (recording every chunk), in the same run. The time is measured inside each harness from the
 * statement's answer to the last row — chunk downloads and decoding, not the emulator computing the
 * result (it answers only once the whole result is built); the median of `--repeat` runs in one process.
 *
 *   node --import tsx benchmarks/drivers.ts [--rows 1000000] [--repeat 3] [--write]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_DRIVERS, ROOT, SUITE_ACCOUNT, SUITE_USER, runHarness, startSuiteStack, type HarnessConfig } from '@snowtrail/drivers';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const rows = arg('rows', 1_000_000);
const repeat = arg('repeat', 3);
const sql = `select range as id, 'row-' || range as label, (range % 10000) * 0.01::number(12,2) as amount from range(${rows})`;

/** What the numbers mean; no figures, so it stays true when the table is regenerated. */
const READING =
  'How to read it: the machine is shared, so single runs vary a lot and the medians are indicative. The Python ' +
  'connector decodes Arrow faster than JSON; "through the sidecar" adds the proxy hop and the recorder hashing and ' +
  'storing every chunk while it streams it to the client. snowflake-jdbc downloads several chunks ahead of the reader in ' +
  'parallel threads, which hides most of the added latency. No target was set; these are the baseline of the sidecar’s Arrow path.';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'snowtrail-bench-drivers-'));
  const casesFile = join(dir, 'cases.json');
  const cases = [];
  for (let i = 0; i < repeat; i++) {
    cases.push({ name: `arrow_${i}`, kind: 'aggregate', sql });
    cases.push({ name: `json_${i}`, kind: 'aggregate', setup: ["alter session set QUERY_RESULT_FORMAT = 'JSON'"], teardown: ['alter session unset QUERY_RESULT_FORMAT'], sql });
  }
  await writeFile(casesFile, JSON.stringify(cases));
  const drivers = EXTERNAL_DRIVERS.filter((d) => (d.name === 'jdbc' || d.name === 'python') && d.installed());
  const stack = await startSuiteStack(drivers.flatMap((d) => [`DRV_${d.name.toUpperCase()}_DIRECT`, `DRV_${d.name.toUpperCase()}_SIDECAR`]));
  const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
  const lines: string[] = [];
  try {
    for (const driver of drivers) {
      for (const mode of ['direct', 'sidecar'] as const) {
        const url = new URL(mode === 'direct' ? stack.emulator.url : stack.sidecar.url);
        const config: HarnessConfig = {
          mode,
          host: url.hostname,
          port: Number(url.port),
          account: SUITE_ACCOUNT,
          user: SUITE_USER,
          database: `DRV_${driver.name.toUpperCase()}_${mode.toUpperCase()}`,
          schema: 'PUBLIC',
          warehouse: 'COMPUTE_WH',
          emulatorUrl: stack.emulator.url,
          casesFile,
          auth: mode === 'direct' ? { kind: 'jwt', privateKeyFile: stack.privateKeyFile } : { kind: 'oauth', token: await stack.mint() },
        };
        const report = await runHarness(driver, config, dir);
        for (const format of ['arrow', 'json']) {
          const runs = cases.filter((c) => c.name.startsWith(format)).map((c) => report.cases[c.name]);
          const failed = runs.find((r) => !r?.ok);
          if (failed) throw new Error(`${driver.name} ${mode} ${format}: ${failed.failure ?? 'not run'}`);
          const ms = runs.map((r) => r!.fetchMs!);
          const m = median(ms);
          const line = `| ${report.driver} ${report.version} | ${format === 'arrow' ? 'Arrow' : 'JSON'} | ${mode === 'direct' ? 'direct' : 'through the sidecar'} | ${(m / 1000).toFixed(2)} s | ${Math.round(rows / (m / 1000)).toLocaleString('en-US')} rows/s | ${ms.map((x) => (x / 1000).toFixed(2)).join(', ')} |`;
          lines.push(line);
          console.log(line);
        }
      }
    }
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
  const section = [
    '## Drivers: chunk throughput of the Arrow clients',
    '',
    `Run: \`node --import tsx benchmarks/drivers.ts --rows ${rows} --repeat ${repeat} --write\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average at start ${load} (1/5/15 min), shared with the other engineers' runs.`,
    `A ${rows.toLocaleString('en-US')}-row result (bigint id, text label, NUMBER(12,2) amount) read to the last row by each driver's harness (drivers/), timed inside the harness from the statement's answer to the last row (chunk downloads and decoding; the emulator has built the whole result before it answers); the emulator answers 1,000 rows inline and chunks of 50,000 rows, gzip-compressed. "Through the sidecar" adds the proxy and the recorder, which stores every chunk (docs/recording-format.md). Median of ${repeat} runs in one driver process.`,
    '',
    '| driver | format | path | fetch time (median) | throughput | runs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...lines,
    '',
    READING,
    '',
  ].join('\n');
  if (process.argv.includes('--write')) {
    const path = join(ROOT, 'docs', 'benchmarks.md');
    const doc = await readFile(path, 'utf8');
    const start = doc.indexOf('## Drivers: chunk throughput');
    const next = start >= 0 ? doc.indexOf('\n## ', start + 5) : -1;
    const updated = start >= 0 ? doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '') : `${doc.trimEnd()}\n\n${section}`;
    await writeFile(path, updated);
  } else {
    console.log(section);
  }
}

await main();
