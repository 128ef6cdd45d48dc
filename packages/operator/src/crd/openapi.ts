import { z } from 'zod';

/** A JSON (OpenAPI v3) schema node. */
export type JsonSchema = { [key: string]: unknown };

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Turns zod's OpenAPI 3.0 output into a Kubernetes structural schema: no `additionalProperties:
 * false` next to `properties` (the API server rejects the pair; unknown fields are pruned instead),
 * integers with an int32/int64 format and without zod's safe-integer bounds, exclusive minimums
 * folded into integer minimums. Anything it cannot express structurally throws, so generation fails
 * loudly instead of producing a CRD the API server would refuse.
 */
export function toStructural(node: JsonSchema, path = '#'): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || k === 'id' || k === '$id') continue;
    if (k === 'additionalProperties' && v === false) continue;
    if (k === 'propertyNames') continue;
    if (k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === '$ref' || k === 'nullable') {
      throw new Error(`${path}: ${k} is not allowed in this CRD's structural schema`);
    }
    if (k === 'properties') {
      const props: JsonSchema = {};
      for (const [name, sub] of Object.entries(v as Record<string, JsonSchema>)) props[name] = toStructural(sub, `${path}.${name}`);
      out[k] = props;
    } else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) {
      out[k] = toStructural(v as JsonSchema, `${path}[]`);
    } else {
      out[k] = v;
    }
  }
  if (out.type === 'integer') {
    if (out.minimum === -SAFE_MAX) delete out.minimum;
    if (out.maximum === SAFE_MAX) delete out.maximum;
    if (out.exclusiveMinimum === true) {
      out.minimum = (out.minimum as number) + 1;
      delete out.exclusiveMinimum;
    }
    const max = out.maximum as number | undefined;
    const min = out.minimum as number | undefined;
    out.format = max !== undefined && max <= INT32_MAX && (min === undefined || min >= -INT32_MAX - 1) ? 'int32' : 'int64';
  }
  if ('exclusiveMinimum' in out || 'exclusiveMaximum' in out) throw new Error(`${path}: exclusive bounds are only supported on integers`);
  if (out.type === undefined && out['x-kubernetes-int-or-string'] !== true && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  return out;
}

/** Converts a zod schema (input side: defaults shown, fields with defaults optional) to a structural schema. */
export function zodToStructural(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' }) as JsonSchema;
  return toStructural(raw);
}
