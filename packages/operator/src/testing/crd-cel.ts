import type { JsonSchema } from '../crd/openapi.js';
import { evaluateCel } from './cel.js';

/** One x-kubernetes-validations rule that failed (or errored) on an object, as the API server reports it. */
export interface CelViolation {
  path: string;
  rule: string;
  message: string;
}

type Rule = { rule: string; message: string };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Runs every x-kubernetes-validations rule of a CRD schema against an object (already defaulted,
 * as the API server evaluates rules after defaulting), walking properties and list items the way
 * the API server binds `self`. Absent optional fields are not evaluated. A rule that evaluates to
 * anything but true, or errors, is a violation.
 */
export function celViolations(schema: JsonSchema, value: unknown, path = ''): CelViolation[] {
  if (value === undefined) return [];
  const out: CelViolation[] = [];
  for (const r of (schema['x-kubernetes-validations'] as Rule[] | undefined) ?? []) {
    let ok: boolean;
    try {
      ok = evaluateCel(r.rule, { self: value }) === true;
    } catch {
      ok = false;
    }
    if (!ok) out.push({ path, rule: r.rule, message: r.message });
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties && isObject(value)) {
    for (const [k, s] of Object.entries(properties)) out.push(...celViolations(s, value[k], path ? `${path}.${k}` : k));
  }
  const items = schema.items as JsonSchema | undefined;
  if (items && Array.isArray(value)) value.forEach((v, i) => out.push(...celViolations(items, v, `${path}[${i}]`)));
  return out;
}
