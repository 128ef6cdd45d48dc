/**
 * `snowtrail completion`: each script is loaded into the real shell (bash, zsh, fish; the bootstrap
 * installs zsh and fish) and asked what Tab offers after some typed words.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { describeCommands } from '../src/completion/command-tree.js';
import { completionScript } from '../src/completion/completion-script.js';
import { buildProgram } from '../src/program.js';

const nodes = describeCommands(await buildProgram(['completion']));

/** What bash offers after the typed words (the last one being completed). */
function bashComplete(...typed: string[]): string[] {
  const script = completionScript('bash', nodes);
  const words = ['snowtrail', ...typed].map((w) => `'${w}'`).join(' ');
  const run = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${typed.length}; _snowtrail_completion; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it.each([
    [['s'], ['sessions', 'sidecar']],
    [['sessions', 've'], ['verify']],
    [['sessions', 'list', '--st'], ['--store']],
    [['sessions', 'list', '--store', 's3://b/p', '--na'], ['--namespace']],
    [['completion', ''], ['bash', 'zsh', 'fish', '-h', '--help']],
    [['inject', '--fi'], ['--file']],
  ])('after %j offers %j', (typed, expected) => {
    expect(bashComplete(...typed).sort()).toEqual([...expected].sort());
  });
});

/** What zsh offers: the function run with `words`/`CURRENT` set and compadd recording its candidates. */
function zshComplete(...typed: string[]): string[] {
  const script = completionScript('zsh', nodes).replace(/^compdef .*$/m, '');
  const words = ['snowtrail', ...typed].map((w) => `'${w}'`).join(' ');
  const prefix = typed.at(-1) ?? '';
  const probe = `${script}\ncompadd() { [[ "$1" == -- ]] && shift; print -l -- "$@"; }\nwords=(${words}); CURRENT=${typed.length + 1}; _snowtrail`;
  const run = spawnSync('zsh', ['-f', '-c', probe], { encoding: 'utf8' });
  expect({ error: run.error?.message, stderr: run.stderr }).toEqual({ error: undefined, stderr: '' });
  // compadd itself filters by the typed prefix; the stub does not, so filter here.
  return run.stdout.split('\n').filter((w) => w && w.startsWith(prefix));
}

/** What fish offers (its own `complete -C`), candidate words only. */
function fishComplete(...typed: string[]): string[] {
  const script = completionScript('fish', nodes);
  const run = spawnSync('fish', ['--no-config', '-c', `${script}\ncomplete -C ${JSON.stringify(['snowtrail', ...typed].join(' '))}`], { encoding: 'utf8' });
  expect({ error: run.error?.message, stderr: run.stderr }).toEqual({ error: undefined, stderr: '' });
  return run.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
}

describe.each([
  ['zsh', zshComplete],
  ['fish', fishComplete],
] as const)('%s completion', (_shell, complete) => {
  it.each([
    [['s'], ['sessions', 'sidecar']],
    [['sessions', 've'], ['verify']],
    [['sessions', 'list', '--st'], ['--store']],
    [['completion', ''], ['bash', 'zsh', 'fish']],
  ])('after %j offers %j', (typed, expected) => {
    expect(complete(...typed).filter((w) => !w.startsWith('-') || typed.at(-1)!.startsWith('-')).sort()).toEqual([...expected].sort());
  });
});

describe('every shell', () => {
  const leaves = nodes.filter((n) => n.path.length > 0);

  it('covers every command of the program', () => {
    expect(leaves.map((n) => n.path.join(' '))).toEqual(expect.arrayContaining(['sessions list', 'sessions verify', 'inject', 'operator', 'completion']));
  });

  it.each(['bash', 'zsh', 'fish'] as const)('%s names every command and long flag', (shell) => {
    const script = completionScript(shell, nodes);
    for (const node of leaves) {
      expect(script).toContain(node.path.at(-1));
      for (const flag of node.options.flatMap((o) => o.flags).filter((f) => f.startsWith('--'))) {
        expect({ node: node.path.join(' '), flag, found: script.includes(shell === 'fish' ? `-l ${flag.slice(2)}` : flag) }).toEqual({ node: node.path.join(' '), flag, found: true });
      }
    }
  });
});
