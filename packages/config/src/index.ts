/** Public API of @snowtrail/config. */
export {};
