import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** Exit code when the webhook would deny the pod (distinct from 1 = error and 2 = usage). */
export const EXIT_DENIED = 3;

function readInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    throw Object.assign(new Error(`cannot read ${path}: ${(err as Error).message}`), { code: 'SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID', cause: err });
  }
}

/** Registers `snowtrail inject`: runs the webhook's own inject() on a manifest and prints the result. */
export function register(program: Command): void {
  program
    .command('inject')
    .description('Inject the snowtrail sidecar into a Pod (or a workload\'s pod template) and print the mutated YAML')
    .requiredOption('-f, --file <pod.yaml>', 'manifest to inject (- for stdin)')
    .option('-p, --policy <policy.yaml>', 'the SnowflakeAccessPolicy the pod names (absent: treated as missing, as the webhook would)')
    .option('-n, --namespace <ns>', 'namespace when the manifest has none', 'default')
    .option('--image <image>', 'sidecar image (the policy may override it)')
    .option('--no-native-sidecars', 'render the fallback for clusters older than 1.29')
    .option('--require-ready', 'deny unless the policy file carries a Ready status, as the webhook does', false)
    .action(async (opts: { file: string; policy?: string; namespace: string; image?: string; nativeSidecars: boolean; requireReady: boolean }) => {
      const { injectManifest, parsePolicyManifest, INJECT_REASONS } = await import('@snowtrail/operator');
      const policy = opts.policy ? parsePolicyManifest(readInput(opts.policy), opts.policy) : undefined;
      const out = injectManifest(readInput(opts.file), policy, { namespace: opts.namespace, image: opts.image, nativeSidecars: opts.nativeSidecars, requireReadyPolicy: opts.requireReady }, opts.file);
      const reasons = out.result.reasons.join(', ');
      if (!out.result.allowed) {
        process.stderr.write(`snowtrail inject: denied (${reasons}): ${out.result.message}\n`);
        process.exitCode = EXIT_DENIED;
        return;
      }
      process.stdout.write(out.yaml);
      const text = out.result.reasons.map((r) => INJECT_REASONS[r]).join('; ');
      process.stderr.write(`snowtrail inject: ${out.kind} ${out.result.patch.length ? 'injected' : 'unchanged'} (${reasons}): ${text}\n`);
    });
}
