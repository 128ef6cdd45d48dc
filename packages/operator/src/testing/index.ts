/** Test support for @snowtrail/operator (subpath export `@snowtrail/operator/testing`): an in-process Kubernetes API server. */
export * from './kube-store.js';
export * from './kube-api-server.js';
export * from './wait-for.js';
export { parse as parseYaml } from 'yaml';
export * from './admission-client.js';
export * from './cel.js';
export * from './crd-cel.js';
