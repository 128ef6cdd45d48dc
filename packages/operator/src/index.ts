/** Public API of @snowtrail/operator. */
export {};
