/** Public API of @snowtrail/emulator: a DuckDB-backed Snowflake REST emulator for snowflake-sdk. */
export { startEmulator } from './emulator.js';
export type { EmulatorOptions, EmulatorHandle, EmulatorUser, LoginRecord } from './types.js';
export type { FaultController, FaultSettings, FaultStats, FaultTarget } from './faults.js';
export { parseFaultSettings } from './faults.js';
export type { ChunkingOptions } from './results/result-builder.js';
export { EmulatorError, EMULATOR_ERROR_CODES } from './errors.js';
export { publicKeyFingerprint } from './session/auth.js';
export { FlagError, buildFaults, buildUsers, parseCount, parseWorkloadIdentityFlag, splitNamed } from './cli-flags.js';
export type { WorkloadIdentity } from './session/workload-identity.js';
export type { FaultFlags, UserFlags } from './cli-flags.js';
