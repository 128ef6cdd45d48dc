import type { Command } from 'commander';

/** Registers `snowtrail demo` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('demo').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail demo is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
