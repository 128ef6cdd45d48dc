/** Public API of @snowtrail/operator: the policy CRD types, inject(), the webhook, the controller. */
export * from './constants.js';
export * from './crd/policy-schema.js';
export * from './crd/crd-manifest.js';
export * from './crd/crd-ajv.js';
