/**
 * Shell completion scripts for `snowtrail`, generated from the command tree: static, so pressing
 * Tab never starts Node. Each script finds the deepest known command among the words typed so far,
 * then offers its subcommands and options (and an option's fixed values right after it).
 */
import type { CommandNode } from './command-tree.js';

/** The shells `snowtrail completion` supports. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One supported shell. */
export type Shell = (typeof SHELLS)[number];

const key = (node: CommandNode): string => node.path.join(' ');
const words = (node: CommandNode): string => [...node.subcommands, ...node.argumentValues, ...node.options.flatMap((o) => o.flags)].join(' ');
const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

function valueCases(nodes: readonly CommandNode[], indent: string, render: (words: string) => string): string[] {
  const cases: string[] = [];
  for (const node of nodes) {
    for (const o of node.options.filter((opt) => opt.choices.length > 0)) {
      for (const flag of o.flags) cases.push(`${indent}${shellQuote(`${key(node)}|${flag}`)}) ${render(o.choices.join(' '))} ;;`);
    }
  }
  return cases;
}

function bashScript(nodes: readonly CommandNode[]): string {
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => shellQuote(key(n))).join('|');
  return `# snowtrail completion for bash. Load it with:
#   source <(snowtrail completion bash)
# or save it as /etc/bash_completion.d/snowtrail.
_snowtrail_completion() {
  local cur prev path="" w candidate i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    candidate="\${path:+$path }$w"
    case "$candidate" in
      ${paths}) path="$candidate" ;;
    esac
  done
  local opts
  case "$path|$prev" in
${valueCases(nodes, '    ', (w) => `COMPREPLY=( $(compgen -W ${shellQuote(w)} -- "$cur") ); return 0`).join('\n')}
  esac
  case "$path" in
${nodes.map((n) => `    ${shellQuote(key(n))}) opts=${shellQuote(words(n))} ;;`).join('\n')}
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _snowtrail_completion snowtrail
`;
}

function zshScript(nodes: readonly CommandNode[]): string {
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => shellQuote(key(n))).join('|');
  return `#compdef snowtrail
# snowtrail completion for zsh. Load it with:
#   source <(snowtrail completion zsh)
# or save it as _snowtrail in a directory of your $fpath.
_snowtrail() {
  local cmdpath="" w candidate i
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    candidate="\${cmdpath:+$cmdpath }$w"
    case "$candidate" in
      ${paths}) cmdpath="$candidate" ;;
    esac
  done
  case "$cmdpath|\${words[CURRENT-1]}" in
${valueCases(nodes, '    ', (w) => `compadd -- ${w}; return`).join('\n')}
  esac
  case "$cmdpath" in
${nodes.map((n) => `    ${shellQuote(key(n))}) compadd -- ${words(n)} ;;`).join('\n')}
  esac
}
compdef _snowtrail snowtrail
`;
}

function fishScript(nodes: readonly CommandNode[]): string {
  const lines = ['# snowtrail completion for fish. Load it with:', '#   snowtrail completion fish | source', '# or save it as ~/.config/fish/completions/snowtrail.fish.', 'complete -c snowtrail -f'];
  const byKey = new Map(nodes.map((n) => [key(n), n]));
  for (const node of nodes) {
    // At node: every word of its path typed, and none of its subcommands yet.
    const seen = node.path.map((w) => `__fish_seen_subcommand_from ${w}`);
    const notDeeper = node.subcommands.length ? [`not __fish_seen_subcommand_from ${node.subcommands.join(' ')}`] : [];
    const at = node.path.length === 0 ? ['__fish_use_subcommand'] : [...seen, ...notDeeper];
    const condition = at.join('; and ');
    for (const sub of node.subcommands) {
      const child = byKey.get([...node.path, sub].join(' '));
      lines.push(`complete -c snowtrail -n ${shellQuote(condition)} -a ${sub} -d ${shellQuote(child?.description ?? '')}`);
    }
    if (node.argumentValues.length) lines.push(`complete -c snowtrail -n ${shellQuote(condition)} -a ${shellQuote(node.argumentValues.join(' '))}`);
    for (const o of node.options) {
      const short = o.flags.find((f) => /^-[^-]$/.test(f));
      const long = o.flags.find((f) => f.startsWith('--'));
      const parts = [`complete -c snowtrail -n ${shellQuote(condition)}`];
      if (short) parts.push(`-s ${short.slice(1)}`);
      if (long) parts.push(`-l ${long.slice(2)}`);
      if (o.takesValue) parts.push(o.choices.length ? `-x -a ${shellQuote(o.choices.join(' '))}` : '-r');
      parts.push(`-d ${shellQuote(o.description)}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell, nodes: readonly CommandNode[]): string {
  if (shell === 'bash') return bashScript(nodes);
  if (shell === 'zsh') return zshScript(nodes);
  return fishScript(nodes);
}
