/**
 * `snowtrail inject` over a stream of YAML documents, as `kubectl apply -f` takes them: each Pod and
 * each workload's pod template goes through the operator's own `injectManifest` (the webhook's pure
 * `inject()` underneath); every other document (Service, ConfigMap, …) is passed through as written.
 * A `kind: List` (what `kubectl get -o yaml` prints) is injected item by item. Pure: text in, text out.
 */
import { parseAllDocuments, parse as parseYaml, stringify, type Document } from 'yaml';
import { OPERATOR_ERRORS, OperatorError, injectManifest, type InjectOptions, type InjectResult, type SnowflakeAccessPolicy } from '@snowtrail/operator';

/** Kinds whose pods the CLI injects: a Pod, or a workload that carries a pod template. */
export const INJECTABLE_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'] as const;

/** Output formats of `snowtrail inject`. */
export type InjectOutput = 'yaml' | 'json';

type Manifest = Record<string, unknown> & { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; items?: unknown };

/** What happened to one object of the stream. */
export interface ObjectReport {
  /** `Kind/name` (or `Kind` when unnamed), with the document's position in the stream. */
  object: string;
  /** Undefined for an object left untouched because it has no pod. */
  result?: InjectResult;
}

/** The injected stream and one report per object. */
export interface StreamInjection {
  objects: unknown[];
  reports: ObjectReport[];
  /** False when the webhook would deny any pod of the stream. */
  allowed: boolean;
  /** The stream rendered as YAML (untouched documents exactly as written) or JSON. */
  render(output: InjectOutput): string;
}

const isInjectable = (m: Manifest): boolean => (INJECTABLE_KINDS as readonly string[]).includes(String(m.kind));
const describe = (m: Manifest, index: number): string => `${String(m.kind ?? '(no kind)')}${typeof m.metadata?.name === 'string' ? `/${m.metadata.name}` : ''} (document ${index + 1})`;

function injectObject(m: Manifest, policy: SnowflakeAccessPolicy | undefined, options: InjectOptions, label: string, reports: ObjectReport[]): { value: unknown; changed: boolean } {
  if (m.kind === 'List' && Array.isArray(m.items)) {
    let changed = false;
    const items = m.items.map((item: unknown, i) => {
      const out = injectObject(item as Manifest, policy, options, `${label} item ${i + 1}`, reports);
      changed ||= out.changed;
      return out.value;
    });
    return { value: { ...m, items }, changed };
  }
  if (!isInjectable(m)) {
    reports.push({ object: label });
    return { value: m, changed: false };
  }
  const out = injectManifest(stringify(m), policy, options, label);
  reports.push({ object: label, result: out.result });
  return out.result.patch.length > 0 ? { value: parseYaml(out.yaml) as unknown, changed: true } : { value: m, changed: false };
}

/** Injects every pod of a YAML stream (one or more documents). */
export function injectStream(text: string, policy: SnowflakeAccessPolicy | undefined, options: InjectOptions, source: string): StreamInjection {
  const docs = parseAllDocuments(text) as Document[];
  if (!Array.isArray(docs)) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: not a YAML stream`);
  // Each document's own text (its `---` marker and comments included), so untouched ones print as written.
  const ends = docs.map((d) => d.range?.[2] ?? text.length);
  const segments = docs.map((_d, i) => text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));
  const trailer = text.slice(ends.at(-1) ?? 0);
  const present = docs.filter((d) => d.contents !== null);
  if (present.length === 0) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: no YAML document`);
  const reports: ObjectReport[] = [];
  const results = present.map((doc, i) => {
    if (doc.errors.length) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: document ${i + 1} is not valid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: document ${i + 1} is not a Kubernetes object`);
    const out = injectObject(value as Manifest, policy, options, `${source}: ${describe(value as Manifest, i)}`, reports);
    return { doc, segment: segments[docs.indexOf(doc)]!, ...out };
  });
  const objects = results.map((r) => r.value);
  return {
    objects,
    reports,
    allowed: reports.every((r) => r.result?.allowed !== false),
    render(output) {
      if (output === 'json') return `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
      const parts = docs.map((doc, i) => {
        const r = results.find((x) => x.doc === doc);
        if (!r || !r.changed) return segments[i]!;
        return `${i === 0 ? '' : '---\n'}${stringify(r.value, { lineWidth: 0 })}`;
      });
      return parts.join('') + trailer;
    },
  };
}
