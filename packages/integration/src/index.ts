/** @snowtrail/integration holds tests only; this module exports nothing. */
export {};
