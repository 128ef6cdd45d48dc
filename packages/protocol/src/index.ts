/** Public API of @snowtrail/protocol. */
export {};
