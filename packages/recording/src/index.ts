/** Public API of @snowtrail/recording. */
export type * from './recorder-api.js';
