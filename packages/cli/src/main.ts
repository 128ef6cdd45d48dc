#!/usr/bin/env node
/**
 * The `snowtrail` command. Thin: each subcommand lives in src/commands/<name>.ts and is loaded only
 * when used, so `snowtrail sessions` does not pay for DuckDB and `snowtrail sidecar` starts fast.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '@snowtrail/protocol';

type Registrar = (program: Command) => void;

process.env.SNOWTRAIL_CLI_ENTRY ??= fileURLToPath(import.meta.url);

const COMMANDS: Record<string, () => Promise<{ register: Registrar }>> = {
  emulator: () => import('./commands/emulator.js'),
  sidecar: () => import('./commands/sidecar.js'),
  sessions: () => import('./commands/sessions.js'),
  operator: () => import('./commands/operator.js'),
  inject: () => import('./commands/inject.js'),
  demo: () => import('./commands/demo.js'),
};

/** Builds the program with only the named subcommand loaded (all of them for help). */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('snowtrail')
    .description('Identity-aware, recording Snowflake proxy for Kubernetes pipelines')
    .version(process.env.SNOWTRAIL_VERSION ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const requested = argv.find((a) => !a.startsWith('-'));
  const names = requested && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!()).register(program);
  return program;
}

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
