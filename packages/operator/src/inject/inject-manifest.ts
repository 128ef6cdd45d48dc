import jsonPatch from 'fast-json-patch';
import { parseAllDocuments, stringify } from 'yaml';
import { buildOpenApiSchema } from '../crd/crd-manifest.js';
import { compileCrdSchema, formatAjvErrors } from '../crd/crd-ajv.js';
import { OPERATOR_ERRORS, OperatorError } from '../errors.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { inject, type InjectOptions, type InjectResult } from './inject.js';
import type { Pod } from './pod-types.js';

/** The outcome of injecting a manifest: the mutated manifest as YAML and the decision. */
export interface ManifestInjection {
  yaml: string;
  result: InjectResult;
  kind: string;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped manifests

// Where each workload kind keeps its pod template (like `linkerd inject`, workloads are accepted too).
function templateOf(obj: Obj): Obj | undefined {
  switch (obj.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'ReplicationController':
      return obj.spec?.template;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

/** Reads one YAML document, failing with a coded error that names the file. */
function readSingle(text: string, source: string): Obj {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: expected exactly one YAML document, found ${docs.length}`);
  const doc = docs[0]!;
  if (doc.errors.length) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: not valid YAML: ${doc.errors[0]!.message}`);
  const value = doc.toJS() as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: not a Kubernetes object`);
  return value as Obj;
}

/** Parses and schema-checks a SnowflakeAccessPolicy file (CRD schema via ajv, defaults applied). */
export function parsePolicyManifest(text: string, source = 'policy'): SnowflakeAccessPolicy {
  const obj = readSingle(text, source);
  if (obj.kind !== 'SnowflakeAccessPolicy') throw new OperatorError(OPERATOR_ERRORS.policyInvalid, `${source}: kind is ${String(obj.kind)}, expected SnowflakeAccessPolicy`);
  const validate = compileCrdSchema(buildOpenApiSchema());
  if (!validate(obj)) throw new OperatorError(OPERATOR_ERRORS.policyInvalid, `${source} is invalid:\n  ${formatAjvErrors(validate.errors).join('\n  ')}`);
  return obj as SnowflakeAccessPolicy;
}

/** Injects a Pod or a workload's pod template from YAML text; returns the mutated manifest. */
export function injectManifest(podText: string, policy: SnowflakeAccessPolicy | undefined, options: InjectOptions, source = 'manifest'): ManifestInjection {
  const obj = readSingle(podText, source);
  const kind = String(obj.kind ?? '');
  const template = kind === 'Pod' ? obj : templateOf(obj);
  if (!template || !template.spec) throw new OperatorError(OPERATOR_ERRORS.manifestInvalid, `${source}: kind ${kind || '(none)'} has no pod spec (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)`);
  const pod = { metadata: { ...(template.metadata ?? {}) }, spec: template.spec } as Pod;
  if (!pod.metadata!.namespace && obj.metadata?.namespace) pod.metadata!.namespace = obj.metadata.namespace;
  const nsDefined = template.metadata?.namespace !== undefined;
  const result = inject(pod, policy, options);
  if (result.patch.length > 0) {
    const patched = jsonPatch.applyPatch(structuredClone(pod), structuredClone(result.patch) as jsonPatch.Operation[], true, false).newDocument as Obj;
    if (!nsDefined && patched.metadata) delete patched.metadata.namespace;
    template.metadata = patched.metadata;
    template.spec = patched.spec;
  }
  return { yaml: stringify(obj, { lineWidth: 0 }), result, kind };
}
