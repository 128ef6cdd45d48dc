/** Public API of @snowtrail/protocol: pure Snowflake wire protocol knowledge. */
export * from './snowtrail-error.js';
export * from './endpoints.js';
export * from './codes.js';
export * from './error-envelope.js';
export * from './body-codec.js';
export * from './authorization.js';
export * from './messages.js';
export * from './account.js';
export * from './json-strict.js';
export * from './read-body.js';
