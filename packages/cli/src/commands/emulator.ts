import type { Command } from 'commander';

/** Registers `snowtrail emulator` (being built; see the open issue). */
export function register(program: Command): void {
  program.command('emulator').description('(not yet available)').action(() => {
    throw Object.assign(new Error('snowtrail emulator is not available in this build'), { code: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE' });
  });
}
