import type { Command } from 'commander';

/** Registers `snowtrail inject` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('inject').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail inject is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
