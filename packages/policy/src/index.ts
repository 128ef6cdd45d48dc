/** Public API of @snowtrail/policy. */
export {};
