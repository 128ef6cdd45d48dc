/** Public API of @snowtrail/cli. */
export {};
