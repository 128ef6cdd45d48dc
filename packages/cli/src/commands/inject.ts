import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';

/** Output formats (the operator package is loaded only when the command runs). */
const INJECT_OUTPUTS = ['yaml', 'json'] as const;

/** Exit code when the webhook would deny a pod (distinct from 1 = error and 2 = usage). */
export const EXIT_DENIED = 3;

/** Reads a manifest (as kubectl does, a missing file is a failure, exit 1, not a usage error). */
async function readInput(path: string): Promise<string> {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    const { OPERATOR_ERRORS, OperatorError } = await import('@snowtrail/operator');
    throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `cannot read ${path === '-' ? 'stdin' : path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

interface InjectFlags {
  file: string;
  policy?: string;
  namespace: string;
  image?: string;
  nativeSidecars: boolean;
  requireReady: boolean;
  output: (typeof INJECT_OUTPUTS)[number];
}

/** Registers `snowtrail inject`: runs the webhook's own inject() on every pod of a manifest stream. */
export function register(program: Command): void {
  program
    .command('inject')
    .description('Inject the snowtrail sidecar into every Pod and workload pod template of a YAML stream; other objects pass through unchanged')
    .requiredOption('-f, --file <manifest.yaml>', 'manifests to inject, one or more YAML documents (- for stdin)')
    .option('-p, --policy <policy.yaml>', 'the SnowflakeAccessPolicy the pods name (absent: treated as missing, as the webhook would)')
    .option('-n, --namespace <ns>', 'namespace for objects that have none', 'default')
    .option('--image <image>', 'sidecar image (the policy may override it)')
    .option('--no-native-sidecars', 'render the fallback for clusters older than 1.29')
    .option('--require-ready', 'deny unless the policy file carries a Ready status, as the webhook does', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(INJECT_OUTPUTS).default('yaml'))
    .addHelpText('after', `
Kinds injected: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController
(and the items of a List). Exit codes: 0 injected or unchanged, 1 error, 2 usage, 3 a pod would be denied.

Examples:
  snowtrail inject -f job.yaml -p policy.yaml | kubectl apply -f -
  kubectl get deploy etl -o yaml | snowtrail inject -f - -p policy.yaml -o json`)
    .action(async (opts: InjectFlags) => {
      const [{ parsePolicyManifest, INJECT_REASONS }, { injectStream }] = await Promise.all([import('@snowtrail/operator'), import('../inject/inject-stream.js')]);
      const policy = opts.policy ? parsePolicyManifest(await readInput(opts.policy), opts.policy) : undefined;
      const source = opts.file === '-' ? 'stdin' : opts.file;
      const out = injectStream(await readInput(opts.file), policy, { namespace: opts.namespace, image: opts.image, nativeSidecars: opts.nativeSidecars, requireReadyPolicy: opts.requireReady }, source);
      for (const r of out.reports) {
        if (!r.result) {
          process.stderr.write(`snowtrail inject: ${r.object} unchanged (no pod)\n`);
          continue;
        }
        const reasons = r.result.reasons.join(', ');
        if (!r.result.allowed) process.stderr.write(`snowtrail inject: ${r.object} denied (${reasons}): ${r.result.message}\n`);
        else process.stderr.write(`snowtrail inject: ${r.object} ${r.result.patch.length ? 'injected' : 'unchanged'} (${reasons}): ${r.result.reasons.map((k) => INJECT_REASONS[k]).join('; ')}\n`);
      }
      // Fail closed: a stream with a pod the webhook would deny is not printed, so it cannot be applied half-injected.
      if (!out.allowed) {
        process.exitCode = EXIT_DENIED;
        return;
      }
      process.stdout.write(out.render(opts.output));
    });
}
