import { isCelError, isCelList, isCelMap, run, type CelInput } from '@bufbuild/cel';

/**
 * Evaluates a CEL expression with a real CEL implementation (@bufbuild/cel), the way the API server
 * evaluates x-kubernetes-validations, ValidatingAdmissionPolicy validations and webhook
 * matchConditions over JSON objects. Whole numbers become CEL ints (a Kubernetes `integer` field
 * is an int there); a CEL evaluation error throws, as it fails the request in the API server.
 * Lists and maps come back as JS arrays and objects, ints as numbers, so a result can be bound
 * again (a ValidatingAdmissionPolicy's `variables`).
 */
export function evaluateCel(expression: string, bindings: Record<string, unknown>): unknown {
  const input = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, toCel(v)])) as Record<string, CelInput>;
  const out = run(expression, input);
  if (isCelError(out)) throw new Error(`CEL error in ${JSON.stringify(expression)}: ${out.message}`);
  return fromCel(out);
}

function fromCel(v: unknown): unknown {
  if (isCelList(v)) return [...v].map(fromCel);
  if (isCelMap(v)) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), fromCel(x)]));
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, toCel(x)]));
  return v;
}
