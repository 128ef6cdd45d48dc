/**
 * Statements forwarded once their `query` event is written, before it is durable (required mode,
 * `writeAhead: changes`, effect-free statements only). Such a statement's every result is released
 * only once its `query` event is durable too — one fdatasync covers both, since the journal makes
 * nothing durable out of order — and is refused, with nothing appended, if it never becomes durable.
 */
import type { ResultWriter } from './recorder-api.js';

/** Starts the `query` event: calls back with its written and durable promises when the spool took it. */
export type StartQuery = (onAppended: (durable: Promise<void>, written: Promise<void>) => void) => Promise<void>;

/** Returns the refusal when the statement's `query` event was lost, else undefined. */
export type LostQuery = () => Promise<never> | undefined;

const notLost: LostQuery = () => undefined;

/** The check of one pending query: its commit (which rejects) once it failed. */
function lostCheck(q: Pending): LostQuery {
  return () => (q.failed ? (q.committed as Promise<never>) : undefined);
}

interface Pending {
  /** The `query` event's commit (rejects with the recorder's refusal). */
  committed: Promise<void>;
  failed: boolean;
}

/** The written-not-yet-durable queries of one session. */
export class WrittenQueries {
  private readonly pending = new Map<string, Pending>();

  /** Appends the `query` event; resolves once it is written (not durable), rejects as the commit does. */
  start(requestId: string, startQuery: StartQuery): Promise<void> {
    let written: Promise<void> | undefined;
    const committed = startQuery((_durable, w) => {
      written = w;
    });
    // Refused before any byte was written (spool full, recorder closed): the commit says why.
    if (written === undefined) return committed;
    const entry: Pending = { committed, failed: false };
    this.pending.set(requestId, entry);
    committed.then(
      () => {
        if (this.pending.get(requestId) === entry) this.pending.delete(requestId);
      },
      () => {
        entry.failed = true;
      },
    );
    return written.then(
      () => undefined,
      () => committed,
    );
  }

  /**
   * Records a result of `requestId`; resolves once it and the statement's `query` event are durable.
   * `record` is given a check to make right before it appends the result event.
   */
  releaseWith(requestId: string | undefined, record: (lost: LostQuery) => Promise<void>): Promise<void> {
    const q = this.of(requestId);
    if (!q) return record(notLost);
    // The query event was lost: nothing of its answer is recorded or released.
    if (q.failed) return q.committed;
    return Promise.all([q.committed, record(lostCheck(q))]).then(() => undefined);
  }

  /** Opens a result part's writer; its end also waits for the statement's `query` event. */
  wrapWriter(requestId: string | undefined, open: (lost: LostQuery) => ResultWriter): ResultWriter {
    const q = this.of(requestId);
    if (!q) return open(notLost);
    const writer = open(lostCheck(q));
    return {
      write: (bytes) => writer.write(bytes),
      abort: (reason) => writer.abort(reason),
      end: async () => (await Promise.all([q.committed, writer.end()]))[1],
    };
  }

  private of(requestId: string | undefined): Pending | undefined {
    return requestId === undefined ? undefined : this.pending.get(requestId);
  }
}
