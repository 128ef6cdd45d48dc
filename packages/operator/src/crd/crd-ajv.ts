import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './openapi.js';

// ajv-formats is CJS; under NodeNext its default export arrives as the module namespace.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Adds `additionalProperties: false` to every object with properties: what `kubectl --validate=strict` (fieldValidation=Strict) enforces instead of pruning. */
export function strictFields(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties') {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([n, s]) => [n, n === 'metadata' ? s : strictFields(s)]));
    } else if (k === 'items') out[k] = strictFields(v as JsonSchema);
    else out[k] = v;
  }
  if (out.type === 'object' && out.properties && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

/**
 * Compiles a CRD openAPIV3Schema with ajv the way the API server reads it, minus CEL: the
 * x-kubernetes-* keywords are declared (and ignored), int32/int64 formats range-checked, defaults
 * applied. Used by tests and by `snowtrail inject --policy` to check a policy file offline.
 */
export function compileCrdSchema(schema: JsonSchema, options: { strict?: boolean } = {}): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  ajv.addVocabulary(['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource']);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv.compile(options.strict === false ? schema : strictFields(schema));
}

/** Formats ajv errors as `path: message` lines (the shape kubectl prints). */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
    return `${path}: ${e.message}${extra}`;
  });
}
