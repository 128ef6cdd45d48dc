import type { Command } from 'commander';

/** Registers `snowtrail operator` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('operator').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail operator is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
