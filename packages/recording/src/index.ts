/** Public API of @snowtrail/recording. */
export {};
