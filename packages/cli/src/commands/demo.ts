import { InvalidArgumentError, type Command } from 'commander';

/** Registers `snowtrail demo`: the whole product on loopback, end to end. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the local demo: emulator, S3 store, token issuer, sidecar, a sample pipeline, then the recorded session')
    .option('--rows <n>', 'rows in the large, chunked table', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive whole number.');
      return Number(v);
    }, 200_000)
    .option('--keep', 'keep the scratch folder (config, keys, spool)')
    .option('--key-pair', 'log the sidecar in to Snowflake with a generated key pair instead of workload identity')
    .action(async (opts: { rows: number; keep?: boolean; keyPair?: boolean }) => {
      const { runDemo } = await import('../demo/run-demo.js');
      const report = await runDemo({ eventRows: opts.rows, keep: opts.keep, keyPair: opts.keyPair });
      if (report.verifyExitCode !== 0) process.exitCode = 1;
    });
}
