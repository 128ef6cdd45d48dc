import type { Command } from 'commander';

/** One command of the CLI as completion needs it: its path, subcommands and options. */
export interface CommandNode {
  /** Words from the root, e.g. ['sessions', 'list']; [] for `snowtrail` itself. */
  path: string[];
  description: string;
  subcommands: string[];
  /** Fixed values of its positional arguments (`completion <shell>`: bash, zsh, fish). */
  argumentValues: string[];
  options: { flags: string[]; description: string; takesValue: boolean; choices: string[] }[];
}

/** Flattens a commander program into one node per command, root first. */
export function describeCommands(program: Command, path: string[] = []): CommandNode[] {
  const options = program.options.map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
  }));
  options.push({ flags: ['-h', '--help'], description: 'display help', takesValue: false, choices: [] });
  const argumentValues = program.registeredArguments.flatMap((a) => a.argChoices ?? []);
  const node: CommandNode = { path, description: program.description(), subcommands: program.commands.map((c) => c.name()), argumentValues, options };
  return [node, ...program.commands.flatMap((c) => describeCommands(c, [...path, c.name()]))];
}
