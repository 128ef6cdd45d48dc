/**
 * Exit codes of every command but `sessions` (tested with its own command): 2 for anything wrong
 * with the command line — unknown command, flag or value, malformed number or port, missing or extra
 * argument — with a message on stderr that names it; 1 for a real failure; 0 for success. Each case
 * runs the real CLI as a child process, as a shell or CI job would.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

jest.setTimeout(180_000);

const root = fileURLToPath(new URL('../../..', import.meta.url));
const emptyHome = mkdtempSync(join(tmpdir(), 'snowtrail-usage-home-'));

interface Outcome {
  code: number;
  stderr: string;
}

function snowtrail(args: string[]): Promise<Outcome> {
  // No kubeconfig anywhere and no cluster environment: `operator` must say so.
  const env = { ...process.env, NODE_NO_WARNINGS: '1', HOME: emptyHome, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: root, env, timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

/** [arguments, exit code, what stderr must mention] */
const CASES: [string[], number, RegExp][] = [
  [['bogus'], 2, /unknown command 'bogus'/],
  [['--bogus'], 2, /unknown option '--bogus'/],
  [['inject', '-f', 'pod.yaml', '-o', 'xml'], 2, /'xml' is invalid.*yaml, json/],
  [['inject'], 2, /required option '-f, --file/],
  [['inject', '-f', 'pod.yaml', 'extra'], 2, /too many arguments/],
  [['operator', '--webhook-port', 'abc'], 2, /--webhook-port.*port number/],
  [['operator', '--metrics-port', '70000'], 2, /--metrics-port.*port number/],
  [['operator', '--cert-mode', 'magic'], 2, /'magic' is invalid.*self, cert-manager/],
  [['operator', '--native-sidecars', 'maybe'], 2, /'maybe' is invalid.*auto, true, false/],
  [['operator', '--jwks-refresh-seconds', 'abc'], 2, /--jwks-refresh-seconds.*whole number of seconds/],
  [['operator', '--log-level', 'loud'], 2, /'loud' is invalid/],
  [['emulator', '--port', 'abc'], 2, /--port expects a non-negative integer/],
  [['emulator', '--log-level', 'loud'], 2, /--log-level must be one of/],
  [['emulator', '--rows-per-chunk', '0'], 2, /--rows-per-chunk must be at least 1/],
  [['emulator', '--init', '/nonexistent/init.sql'], 2, /cannot read --init file.*SNOWTRAIL_ERR_CLI_USAGE/],
  [['demo', '--rows', 'abc'], 2, /--rows.*positive whole number/],
  [['completion', 'powershell'], 2, /'powershell' is invalid.*bash, zsh, fish/],
  [['completion'], 2, /missing required argument 'shell'/],
  [['sidecar', '--config', '/nonexistent/snowtrail.yaml'], 2, /SNOWTRAIL_ERR_CONFIG_UNREADABLE/],
  [['sidecar', '--bogus'], 2, /unknown option '--bogus'/],
  // Not usage errors: a failure is 1, success 0.
  [['inject', '-f', '/nonexistent/pod.yaml'], 1, /SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID/],
  [['operator'], 1, /no Kubernetes client configuration found.*SNOWTRAIL_ERR_OPERATOR_KUBECONFIG/s],
  [['completion', 'bash'], 0, /^$/],
  [['--version'], 0, /^$/],
];

describe('exit codes and usage errors', () => {
  // Four children at a time: each is a Node start-up with tsx.
  const outcomes = new Map<string, Promise<Outcome>>();
  const queue = [...CASES];
  const slots = Array.from({ length: 4 }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const args = next[0];
      const p = snowtrail(args);
      outcomes.set(args.join(' '), p);
      await p;
    }
  });
  const all = Promise.all(slots);

  it.each(CASES)('snowtrail %j exits %i', async (args, code, message) => {
    await all;
    const out = await outcomes.get(args.join(' '))!;
    expect({ code: out.code, mentions: message.test(out.stderr) ? 'yes' : out.stderr }).toEqual({ code, mentions: 'yes' });
  });
});
