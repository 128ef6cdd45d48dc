/** Public API of @snowtrail/sidecar. */
export {};
