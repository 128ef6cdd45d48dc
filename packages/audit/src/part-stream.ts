/**
 * The result parts of a session as they close while it streams by, each with the statement it
 * belongs to and its decoded rows (JSON and Arrow alike, as wire cells). Only the part being
 * decoded is in memory; the columns of each statement's inline answer are kept for its chunks.
 */
import type { RecordingEvent, SessionRecord } from '@snowtrail/recording';
import type { WireCell } from './arrow.js';
import { decodeResultPartBatches } from './part-rows.js';
import { PartBuffer } from './part-buffer.js';
import { loadPartBlob, MAX_PART_BYTES, ResultAssembler, type RecordedPart } from './results.js';
import type { ColumnType } from './wire-values.js';

/** One closed part, decoded (or why it cannot be). */
export interface DecodedResultPart {
  /** seq of the statement's `query` event, when known. */
  seq?: number;
  part: RecordedPart;
  columns: ColumnType[];
  /** The rows, a batch at a time, decoded as they are read (a JSON chunk is inflated and parsed as it goes). */
  batches: AsyncIterable<WireCell[][]>;
  problem?: string;
}

/** No rows. */
async function* noBatches(): AsyncGenerator<WireCell[][]> {}

/** Decodes result parts as their events go by; remembers which statement each part belongs to. */
export class PartDecoder {
  private readonly assembler = new ResultAssembler();
  private readonly seqOf = new Map<string, number>();
  private readonly columnsOf = new Map<number, ColumnType[]>();
  private readonly partBuffer = new PartBuffer();

  /** Feeds one event (and, for a v2 result, the opener of its blob); returns the part it closed, decoded. */
  async push(e: RecordingEvent, openBlob?: () => Promise<AsyncIterable<Uint8Array> | undefined>): Promise<DecodedResultPart | undefined> {
    if (e.type === 'query' || e.type === 'query.denied') this.seqOf.set(`r:${String(e.data.requestId)}`, e.seq);
    else if (e.type === 'query.end' && typeof e.data.queryId === 'string') {
      const seq = typeof e.data.querySeq === 'number' ? e.data.querySeq : this.seqOf.get(`r:${String(e.data.requestId)}`);
      if (seq !== undefined) this.seqOf.set(`q:${e.data.queryId}`, seq);
    }
    const closed = this.assembler.push(e);
    if (!closed) return undefined;
    return this.decode(closed.blob ? await loadPartBlob(closed, openBlob, MAX_PART_BYTES, (size) => this.partBuffer.lease(size)) : closed);
  }

  /** The parts never closed, decoded as far as they go. */
  finish(): DecodedResultPart[] {
    return this.assembler.unclosed().map((p) => this.decode({ ...p, aborted: p.aborted ?? 'its closing event is not in the readable recording' }));
  }

  private decode(p: RecordedPart): DecodedResultPart {
    const seq = p.querySeq ?? (p.requestId !== undefined ? this.seqOf.get(`r:${p.requestId}`) : undefined) ?? (p.queryId !== undefined ? this.seqOf.get(`q:${p.queryId}`) : undefined);
    // The stored bytes are the decoder's alone: the part handed out does not hold them.
    const { bytes: _bytes, releaseBytes: _release, ...meta } = p;
    const base = { ...(seq !== undefined ? { seq } : {}), part: { ...meta, bytes: [] }, columns: (seq !== undefined ? this.columnsOf.get(seq) : undefined) ?? [], batches: noBatches() };
    if (p.redaction?.method === 'withheld') {
      p.releaseBytes?.();
      return { ...base, problem: `not stored (redacted columns ${p.redaction.columns.join(', ')} in an Arrow result)` };
    }
    try {
      const d = decodeResultPartBatches(p, base.columns);
      if (p.part === 'inline' && seq !== undefined) this.columnsOf.set(seq, d.columns);
      return { ...base, columns: d.columns, batches: d.batches, ...(p.aborted ? { problem: `cut short (${p.aborted})` } : {}) };
    } catch (err) {
      return { ...base, problem: `could not be decoded (${p.aborted ? `cut short: ${p.aborted}; ` : ''}${(err as Error).message})` };
    }
  }
}

/** Yields each result part of the session, decoded, as soon as its closing event goes by. */
export async function* decodedParts(records: AsyncIterable<SessionRecord>): AsyncGenerator<DecodedResultPart> {
  const decoder = new PartDecoder();
  for await (const r of records) {
    if (r.kind !== 'event') continue;
    const d = await decoder.push(r.event, r.openBlob);
    if (d) yield d;
  }
  yield* decoder.finish();
}
