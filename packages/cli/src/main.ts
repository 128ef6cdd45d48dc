#!/usr/bin/env node
/** The `snowtrail` command: builds the command tree (src/program.ts), runs it, maps errors to exit codes. */
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { exitCodeOf } from '@snowtrail/protocol';
import { buildProgram } from './program.js';

process.env.SNOWTRAIL_CLI_ENTRY ??= fileURLToPath(import.meta.url);

/** Runs the CLI; exit code 2 for usage errors, 1 for failures. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`snowtrail: ${e.message}${e.code ? ` (${e.code})` : ''}\n`);
    process.exitCode = exitCodeOf(err);
  }
}

await main(process.argv.slice(2));
