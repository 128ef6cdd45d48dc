/**
 * Public API of @snowtrail/audit: the auditor's tools over recordings read with @snowtrail/recording —
 * text rendering, streamed exports (JSON, CSV, HTML), replay (paced timeline, or re-execution through
 * snowflake-sdk), and decoding of recorded results (JSON and Arrow) into readable rows.
 */
export { renderTable, oneLine, renderSessionList, renderSessionShow, renderStatementResults, renderTrace, renderVerify, outcomeOf, isInDamage } from './render.js';
export { passSession, NOTABLE_TYPES, type SessionPass, type StatementRows, type Denial } from './session-pass.js';
export { summarizeEvent } from './summarize.js';
export { showDocument, type ShowDocument } from './show-document.js';
export { PartDecoder, decodedParts, type DecodedResultPart } from './part-stream.js';
export { decodeResultPartBatches, plainPieces, type PartRowBatches } from './part-rows.js';
export { JsonRowSplitter, jsonChunkRows, jsonChunkRowBatches } from './json-rows.js';
export { streamSink, memorySink, type Sink } from './sink.js';
export { withDenial, type SessionExport } from './export-input.js';
export { exportJson } from './export-json.js';
export { exportCsv, csvRows, CSV_HEADER } from './export-csv.js';
export { exportHtml, esc } from './export-html.js';
export { replayTimeline, diffRows, bindsFromRecorded, READ_ONLY_CLASSES, type TimelineOptions, type ReplayTarget, type ReplayDiff } from './replay.js';
export { replayExecute } from './replay-execute.js';
export { ResultAssembler, collectResultParts, decodeResultPart, loadPartBlob, rowsOfStatement, partOrder, MAX_PART_BYTES, type RecordedPart, type DecodedPart } from './results.js';
export { readArrowStream, arrowCellToWire, columnOfField, scaledToDecimal, type WireCell } from './arrow.js';
export { formatCell, columnsFromRowtype, type ColumnType } from './wire-values.js';
export { verifyAll, VERIFY_CONCURRENCY, type VerifyOutcome, type VerifyAllOptions } from './verify-all.js';
export { loadVerifyCache, saveVerifyCache, pruneVerifyCache, verifyCacheFile, defaultVerifyCacheDir, sessionFingerprint, trustFingerprint, VERIFY_CACHE_VERSION, type VerifyCacheFile, type VerifiedEntry } from './verify-cache.js';
