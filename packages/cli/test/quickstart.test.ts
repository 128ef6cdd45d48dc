/**
 * Follows docs/quickstart.md step by step, without a cluster: every `snowtrail` command it shows is
 * a real subcommand with those flags, every chart and `--set` value it uses exists, every file it
 * names is in the repository or is one of the page's own YAML blocks, and the names one step creates
 * (service account, Secrets, keys, namespace, policy) are the names the next steps use.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describeCommands } from '../src/completion/command-tree.js';
import { buildProgram } from '../src/program.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const page = readFileSync(join(root, 'docs/quickstart.md'), 'utf8');

/** Fenced blocks of the page: language and text. */
const blocks = [...page.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
/** Shell commands, continuation lines joined, comments dropped. */
const commands = blocks
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.replace(/\\\n\s*/g, ' ').split('\n'))
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter((l) => l && !l.startsWith('#'));
/** The fields of the page's policy and Job this test reads. */
interface Manifest {
  metadata: { name: string; namespace: string };
  spec: {
    subjects: { serviceAccount: string }[];
    snowflake: { user: string; credentials: { secretName: string } };
    recording: { store: { bucket: string; prefix: string; credentials: { secretName: string } }; signing: { secretName: string } };
    template: { metadata: { annotations: Record<string, string> }; spec: { serviceAccountName: string } };
  };
}
/** The page's YAML blocks by the file name of their first line (`# policy.yaml`). */
const yamlFiles = new Map(blocks.filter((b) => b.lang === 'yaml').map((b) => [/^# (\S+\.ya?ml)\n/.exec(b.text)?.[1] ?? '', parseYaml(b.text) as Manifest]));
const words = (line: string): string[] => line.split(/\s+/);
const flagValue = (line: string, flag: string): string | undefined => words(line)[words(line).indexOf(flag) + 1];

const nodes = describeCommands(await buildProgram(['completion']));

describe('quick start: snowtrail commands', () => {
  const cli = commands.filter((c) => c.startsWith('snowtrail '));

  it('shows snowtrail commands', () => {
    expect(cli.length).toBeGreaterThanOrEqual(3);
  });

  it.each(cli)('%s: subcommand and flags exist', (line) => {
    const args = words(line).slice(1);
    let node = nodes[0]!;
    for (const w of args) {
      const child = nodes.find((n) => n.path.join(' ') === [...node.path, w].join(' '));
      if (!child) break;
      node = child;
    }
    expect(node.path.length).toBeGreaterThan(0);
    expect(node.subcommands).toEqual([]);
    const flags = args.filter((a) => a.startsWith('-')).map((a) => a.split('=')[0]!);
    const known = new Set(node.options.flatMap((o) => o.flags));
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
  });
});

describe('quick start: charts', () => {
  const helm = commands.filter((c) => /^helm (install|upgrade) /.test(c));

  it('installs both charts', () => {
    expect(helm.map((c) => words(c)[3])).toEqual(expect.arrayContaining(['./charts/snowtrail-crds', './charts/snowtrail']));
  });

  it.each(helm)('%s: chart and --set values exist', (line) => {
    const chart = join(root, words(line)[3]!);
    expect(existsSync(join(chart, 'Chart.yaml'))).toBe(true);
    const values = parseYaml(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const sets = words(line).flatMap((w, i, all) => (all[i - 1] === '--set' ? [w.split('=')[0]!] : []));
    for (const path of sets) {
      // A key below a free-form map (`labels: {}`) is the user's own.
      let cur: unknown = values;
      let ok = true;
      for (const part of path.split('.')) {
        if (cur && typeof cur === 'object' && Object.keys(cur).length === 0) break;
        if (!cur || typeof cur !== 'object' || !(part in cur)) {
          ok = false;
          break;
        }
        cur = (cur as Record<string, unknown>)[part];
      }
      expect({ path, ok }).toEqual({ path, ok: true });
    }
  });

  it('the operator chart is installed without its CRD copy once the CRD chart is', () => {
    for (const c of helm.filter((h) => words(h)[3] === './charts/snowtrail')) expect(words(c)).toContain('--skip-crds');
  });

  it('sets the kube-prometheus-stack release label on every monitoring object it enables', () => {
    const install = helm.find((c) => c.startsWith('helm install snowtrail ./charts/snowtrail '))!;
    for (const kind of ['serviceMonitor', 'podMonitor', 'prometheusRule']) {
      expect(install).toContain(`metrics.${kind}.enabled=true`);
      expect(install).toContain(`metrics.${kind}.labels.release=`);
    }
  });
});

describe('quick start: files', () => {
  it('names only repository paths that exist', () => {
    const named = [...page.matchAll(/(?<![\w.-])((?:charts|docs|e2e|packages|scripts|crds)\/[\w./-]*[\w/])/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('applies only files that are in the repository or given on the page', () => {
    const applied = commands.filter((c) => /^kubectl apply /.test(c)).map((c) => flagValue(c, '-f')!);
    expect(applied.length).toBeGreaterThanOrEqual(2);
    expect(applied.filter((f) => !yamlFiles.has(f) && !existsSync(join(root, f)))).toEqual([]);
  });
});

describe('quick start: one step creates what the next uses', () => {
  const policy = yamlFiles.get('policy.yaml')!;
  const job = yamlFiles.get('job.yaml')!;
  const created = (kind: string): string[] => commands.flatMap((c) => new RegExp(`^kubectl -n (\\S+) create ${kind} (?:generic )?(\\S+)`).exec(c)?.slice(1, 3).join('/') ?? []);

  it('creates the service account the Job runs as and the policy allows', () => {
    const ns = policy.metadata.namespace;
    expect(created('serviceaccount')).toContain(`${ns}/${job.spec.template.spec.serviceAccountName}`);
    expect(policy.spec.subjects.map((s) => s.serviceAccount)).toContain(job.spec.template.spec.serviceAccountName);
  });

  it('creates every Secret the policy names, with the keys it reads', () => {
    const ns = policy.metadata.namespace;
    const names = [policy.spec.snowflake.credentials.secretName, policy.spec.recording.store.credentials.secretName, policy.spec.recording.signing.secretName];
    for (const name of names) expect(created('secret')).toContain(`${ns}/${name}`);
    const secretLine = (name: string): string => commands.find((c) => c.includes(`create secret generic ${name}`))!;
    expect(secretLine(policy.spec.snowflake.credentials.secretName)).toContain('--from-file=private-key.pem=./rsa_key.p8');
    expect(secretLine(policy.spec.recording.signing.secretName)).toContain('signing-key.pem');
  });

  it('makes the key pair it stores and registers, and labels the namespace it uses', () => {
    expect(commands.some((c) => c.includes('-out rsa_key.p8'))).toBe(true);
    expect(blocks.some((b) => b.lang === 'sql' && b.text.includes(`ALTER USER ${policy.spec.snowflake.user} SET RSA_PUBLIC_KEY`))).toBe(true);
    expect(commands).toContain(`kubectl label namespace ${policy.metadata.namespace} snowtrail.dev/injection=enabled`);
    expect(job.metadata.namespace).toBe(policy.metadata.namespace);
    expect(job.spec.template.metadata.annotations['snowtrail.dev/policy']).toBe(policy.metadata.name);
  });

  it('reads the recordings from the bucket and prefix the policy writes to', () => {
    const store = `s3://${policy.spec.recording.store.bucket}/${policy.spec.recording.store.prefix}`;
    const reads = commands.filter((c) => c.startsWith('snowtrail sessions '));
    expect(reads.map((c) => flagValue(c, '--store'))).toEqual(reads.map(() => store));
  });
});
