/** Public API of @snowtrail/emulator. */
export {};
