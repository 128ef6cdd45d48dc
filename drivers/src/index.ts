/** @snowtrail/drivers holds the driver compatibility suite; its modules are used by its own tests. */
export {};
