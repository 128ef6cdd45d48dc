/** Public API of @snowtrail/devkit: local stand-ins for cluster and cloud parts (token issuer, S3 servers). */
export * from './token-issuer.js';
export * from './s3-server-handle.js';
export * from './s3rver.js';
export * from './radosgw.js';
export * from './driver.js';
