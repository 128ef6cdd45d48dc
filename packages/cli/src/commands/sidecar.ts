import type { Command } from 'commander';

/** Registers `snowtrail sidecar` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('sidecar').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail sidecar is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
