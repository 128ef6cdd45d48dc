import type { ResultLimits } from './rules-schema.js';

/**
 * Result-limit accounting for one statement's result, across the inline rows and every chunk. Pure
 * counters: the sidecar adds what it is about to deliver and stops at the first breach, so nothing
 * beyond a limit reaches the client.
 */
export interface ResultLimiter {
  /** Count rows about to be delivered. */
  addRows(n: number): void;
  /** Count bytes about to be delivered. */
  addBytes(n: number): void;
  /** The first limit exceeded, if any; once set it stays set. */
  readonly breach: 'rows' | 'bytes' | undefined;
  readonly rows: number;
  readonly bytes: number;
  /** Rows that may still be delivered without a breach (Infinity without a row limit). */
  readonly remainingRows: number;
  /** Bytes that may still be delivered without a breach (Infinity without a byte limit). */
  readonly remainingBytes: number;
}

function count(n: number): number {
  // Negative, NaN or fractional input must not let a caller undo counted rows.
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : n === Infinity ? Infinity : 0;
}

/** Create counters for one statement's result under `limits` (no limits: never breaches). */
export function createResultLimiter(limits: ResultLimits): ResultLimiter {
  const maxRows = limits.maxResultRows;
  const maxBytes = limits.maxResultBytes;
  let rows = 0;
  let bytes = 0;
  let breach: 'rows' | 'bytes' | undefined;
  return {
    addRows(n: number): void {
      rows += count(n);
      if (breach === undefined && maxRows !== undefined && rows > maxRows) breach = 'rows';
    },
    addBytes(n: number): void {
      bytes += count(n);
      if (breach === undefined && maxBytes !== undefined && bytes > maxBytes) breach = 'bytes';
    },
    get breach() {
      return breach;
    },
    get rows() {
      return rows;
    },
    get bytes() {
      return bytes;
    },
    get remainingRows() {
      return maxRows === undefined ? Infinity : Math.max(0, maxRows - rows);
    },
    get remainingBytes() {
      return maxBytes === undefined ? Infinity : Math.max(0, maxBytes - bytes);
    },
  };
}
