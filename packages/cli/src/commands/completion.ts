import { Argument, type Command } from 'commander';
import { describeCommands } from '../completion/command-tree.js';
import { SHELLS, completionScript, type Shell } from '../completion/completion-script.js';

/** Registers `snowtrail completion bash|zsh|fish`: prints a completion script for the shell. */
export function register(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText('after', `
Examples:
  source <(snowtrail completion bash)        # bash, this shell only
  source <(snowtrail completion zsh)         # zsh
  snowtrail completion fish | source         # fish`)
    .action((shell: Shell) => {
      // The root program: every command is registered on it when `completion` runs.
      process.stdout.write(completionScript(shell, describeCommands(program)));
    });
}
