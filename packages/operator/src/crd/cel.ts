import type { z } from 'zod';

/**
 * One CEL validation rule of the CRD together with the same rule written in TypeScript, so that the
 * API server (CEL) and our own code (zod refine: controller, `snowtrail inject`, tests) enforce it
 * with one message. The twin lets the controller and `snowtrail inject` check a policy without an
 * API server; crd.test.ts runs the CEL itself with a real CEL implementation and checks that both
 * agree on the samples and on invalid objects.
 */
export interface CelRule<T> {
  /** The CEL expression, `self` being the value the rule is attached to. */
  rule: string;
  /** The message the API server (and zod) reports. */
  message: string;
  /** Optional JSON path (relative to self) the API server reports the error at. */
  fieldPath?: string;
  /** The TypeScript twin of `rule`. */
  check: (value: T) => boolean;
}

/** Attaches CEL rules to a zod schema: `x-kubernetes-validations` metadata plus a refine per rule. */
export function withCel<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  let out = schema;
  for (const r of rules) {
    const path = r.fieldPath ? r.fieldPath.replace(/^\./, '').split('.') : [];
    out = out.refine((v) => r.check(v as z.output<S>), { message: r.message, path }) as S;
  }
  return out.meta({
    'x-kubernetes-validations': rules.map((r) => (r.fieldPath ? { rule: r.rule, message: r.message, fieldPath: r.fieldPath } : { rule: r.rule, message: r.message })),
  }) as S;
}
