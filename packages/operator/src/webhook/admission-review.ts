import { ANNOTATION_POLICY } from '../constants.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { checkEphemeralContainers } from '../inject/ephemeral.js';
import { inject, type InjectOptions } from '../inject/inject.js';
import type { Pod } from '../inject/pod-types.js';
import { INJECT_REASONS, type InjectReason } from '../inject/reasons.js';

/** The AdmissionReview v1 response body the API server expects. */
export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    patchType?: 'JSONPatch';
    patch?: string;
    status?: { code: number; message: string; reason?: string };
    auditAnnotations?: Record<string, string>;
  };
}

/** What the webhook decided, for metrics and logs. */
export interface AdmissionOutcome {
  review: AdmissionReviewResponse;
  result: 'allowed' | 'denied' | 'error';
  reason: InjectReason;
  namespace?: string;
}

/** Looks a policy up in the controller's cache (namespace, name). */
export type PolicyLookup = (namespace: string, name: string) => SnowflakeAccessPolicy | undefined;

// Pulls the request uid out of text that is not (or not all) parseable, so even a malformed or
// oversized review is answered for the right request. request.uid comes first in what the API
// server sends; a later object uid never precedes it.
const UID_RE = /"uid"\s*:\s*"([A-Za-z0-9._:-]{1,128})"/;

/** Best-effort uid from the first bytes of a body. */
export function sniffUid(prefix: string): string {
  return UID_RE.exec(prefix)?.[1] ?? '';
}

/** A well-formed refusal (malformed or oversized request, internal error). */
export function errorReview(uid: string, code: number, reason: InjectReason, detail?: string): AdmissionOutcome {
  return {
    review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: false, status: { code, reason: 'BadRequest', message: `snowtrail: ${detail ?? INJECT_REASONS[reason]}` } } },
    result: 'error',
    reason,
  };
}

type Req = { uid?: unknown; kind?: { kind?: unknown }; subResource?: unknown; operation?: unknown; namespace?: unknown; object?: unknown };

/**
 * Answers one parsed AdmissionReview: gathers inputs (policy from the cache), calls the pure
 * inject(), and shapes the response. Never throws; every path echoes the request uid.
 */
export function reviewAdmission(body: unknown, lookup: PolicyLookup, options: InjectOptions): AdmissionOutcome {
  const req = (body as { request?: Req } | null)?.request;
  const uid = typeof req?.uid === 'string' ? req.uid : '';
  if (!body || typeof body !== 'object' || (body as { kind?: unknown }).kind !== 'AdmissionReview' || !req || !uid) {
    return errorReview(uid, 400, 'malformed_request', 'expected an admission.k8s.io/v1 AdmissionReview with request.uid');
  }
  const allow = (reason: InjectReason): AdmissionOutcome => ({ review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } }, result: 'allowed', reason });
  if (req.kind?.kind !== 'Pod') return allow('not_a_pod');
  const subResource = typeof req.subResource === 'string' ? req.subResource : '';
  const ephemeral = subResource === 'ephemeralcontainers' && req.operation === 'UPDATE';
  if (!ephemeral && (subResource !== '' || req.operation !== 'CREATE')) return allow('operation_not_handled');
  const pod = req.object as Pod | undefined;
  if (!pod || typeof pod !== 'object' || !pod.spec || !Array.isArray(pod.spec.containers)) {
    return errorReview(uid, 400, 'malformed_request', 'request.object is not a Pod');
  }
  const namespace = (typeof req.namespace === 'string' && req.namespace) || pod.metadata?.namespace || 'default';
  const policyName = pod.metadata?.annotations?.[ANNOTATION_POLICY];
  try {
    const policy = policyName ? lookup(namespace, policyName) : undefined;
    const r = ephemeral ? checkEphemeralContainers(pod, policy) : inject(pod, policy, { ...options, namespace });
    const reason = r.reasons[0]!;
    const auditAnnotations = { 'snowtrail.dev/reason': reason };
    if (!r.allowed) {
      return {
        review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: r.message }, auditAnnotations } },
        result: 'denied',
        reason,
        namespace,
      };
    }
    const response: AdmissionReviewResponse['response'] = { uid, allowed: true, auditAnnotations };
    if (r.patch.length) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(r.patch)).toString('base64');
    }
    return { review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }, result: 'allowed', reason, namespace };
  } catch (err) {
    const out = errorReview(uid, 500, 'internal_error', `internal error: ${(err as Error).message}`);
    return { ...out, namespace };
  }
}
