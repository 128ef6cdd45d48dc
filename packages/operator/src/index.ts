/** Public API of @snowtrail/operator: the policy CRD types, inject(), the webhook, the controller. */
export * from './constants.js';
export * from './errors.js';
export * from './crd/policy-schema.js';
export * from './crd/conditions.js';
export * from './crd/crd-manifest.js';
export * from './crd/crd-ajv.js';
export * from './inject/reasons.js';
export * from './inject/pod-types.js';
export * from './inject/inject.js';
export * from './inject/inject-manifest.js';
export * from './metrics.js';
export * from './certs/x509.js';
export * from './webhook/admission-review.js';
export * from './webhook/webhook-server.js';
