/**
 * The `snowtrail` command tree. Each subcommand lives in src/commands/<name>.ts and is loaded only
 * when used, so `snowtrail sessions` does not pay for DuckDB and `snowtrail sidecar` starts fast.
 */
import { Command } from 'commander';

type Registrar = (program: Command) => void;

/** Every subcommand and how to load it. */
export const COMMANDS: Record<string, () => Promise<{ register: Registrar }>> = {
  emulator: () => import('./commands/emulator.js'),
  sidecar: () => import('./commands/sidecar.js'),
  sessions: () => import('./commands/sessions.js'),
  operator: () => import('./commands/operator.js'),
  inject: () => import('./commands/inject.js'),
  demo: () => import('./commands/demo.js'),
  completion: () => import('./commands/completion.js'),
};

/** Builds the program with only the named subcommand loaded (all of them for help or an unknown name). */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('snowtrail')
    .description('Identity-aware, recording Snowflake proxy for Kubernetes pipelines')
    .version(process.env.SNOWTRAIL_VERSION ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const requested = argv.find((a) => !a.startsWith('-'));
  // `completion` describes every command, so it loads them all.
  const names = requested && requested in COMMANDS && requested !== 'completion' ? [requested] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!()).register(program);
  return program;
}
