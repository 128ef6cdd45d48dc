import type { Command } from 'commander';

/** Registers `snowtrail sessions` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('sessions').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail sessions is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
