/** Public API of @snowtrail/sidecar. */
export { startSidecar, type SidecarOptions, type SidecarHandle } from './start-sidecar.js';
export { SIDECAR_ERRORS, SIDECAR_SF_CODES, SidecarError } from './errors.js';
export { AUTH_FAILURE_REASONS, type AuthFailureReason } from './auth-reasons.js';
export { REDACT_PATHS, createSidecarLogger } from './logger.js';
export { CHUNK_PATH_PREFIX } from './chunk-registry.js';
