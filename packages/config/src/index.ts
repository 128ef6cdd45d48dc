/** Public API of @snowtrail/config: the sidecar configuration schema (rendered by the operator, loaded by the sidecar). */
export * from './sidecar-config-schema.js';
export * from './parse-config.js';
export * from './errors.js';
