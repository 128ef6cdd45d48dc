/**
 * Public API of @snowtrail/recording: the format, the recorder (writer), the reader and the verifier.
 * The auditor's rendering, export and replay are in @snowtrail/audit.
 */
export type * from './recorder-api.js';
export { createRecorder, storeFromConfig, type RecorderOptions } from './recorder.js';
export { RECORDING_ERRORS, RecordingError } from './errors.js';
export * from './format.js';
export { sha256Hex, encodeEvent, checkChainLines, splitLines, genesisHead, type ChainHead, type ChainProblem } from './chain.js';
export { signingKeyFromPem, loadSigningKey, type SigningKey, type PublishedJwk } from './keys.js';
export { signDigest, verifyDigest, buildDigestPayload, type DigestPayload, type DigestSegment, type DigestBlob } from './digest.js';
export * from './layout.js';
export type { ObjectStore, PutOptions, ObjectRetention } from './store.js';
export { readObjectStream } from './store.js';
export { createDirStore } from './dir-store.js';
export { nodeSpoolFs, type SpoolFs, type SpoolFileHandle, type SpoolFsOp } from './spool-fs.js';
export { createFaultFs, FAULT_FILE_ENV, type FaultRule, type FaultFs, type FaultQuota, type FaultControl } from './fault-fs.js';
export { createS3Store, buildS3Client, classifyS3Error } from './s3-store.js';
export { compileRedaction, JsonRowsRedactor, redactInlineAnswer, REDACTED_VALUE } from './redaction.js';
export { mergeIndexStatements, type IndexPart } from './index-object.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export * from './reader.js';
export { parseEvent, type ParsedEvent } from './event-schema.js';
export { describeDamage, inflateSalvaging, type DamagedRange, type SessionRecord } from './session-records.js';
export { verifySession, allowOpenSession, type VerifyReport, type VerifyProblem, type ProblemKind, type VerifySessionOptions } from './verifier.js';
export { loadJwks, loadStoreKeys } from './jwks.js';
