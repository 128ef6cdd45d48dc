/**
 * A test-only Recorder that keeps events in memory, so integration tests can assert what the sidecar
 * emitted and in which order. Never a production default: startSidecar builds the real writer.
 */
import { createHash } from 'node:crypto';
import type { Recorder, ResultWriter, SessionRecording } from '@snowtrail/recording';

/** One event as the memory recorder saw it. */
export interface MemoryEvent {
  type: string;
  session?: string;
  info?: unknown;
  bytes?: Buffer;
}

/** The memory recorder plus switches to make it fail like a full spool. */
export interface MemoryRecorder extends Recorder {
  events: MemoryEvent[];
  /** When set, queryStarted/result/openResult writes reject with SNOWTRAIL_ERR_RECORDING_UNAVAILABLE. */
  failing: boolean;
  closed: boolean;
  /** When set, a session's end is recorded only once this resolves (a slow spool at logout). */
  endGate: Promise<void> | undefined;
}

function unavailable(): Error {
  return Object.assign(new Error('spool full'), { code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
}

/** Creates the memory recorder. */
export function createMemoryRecorder(mode: 'required' | 'best-effort' = 'required'): MemoryRecorder {
  let n = 0;
  const rec: MemoryRecorder = {
    mode,
    events: [],
    failing: false,
    closed: false,
    endGate: undefined,
    async startSession(info) {
      const session = `mem-${++n}`;
      rec.events.push({ type: 'session.start', session, info });
      const guard = async (type: string, info: unknown, bytes?: Uint8Array): Promise<void> => {
        if (rec.failing && (type === 'query' || type === 'result')) throw unavailable();
        rec.events.push({ type, session, info, ...(bytes ? { bytes: Buffer.from(bytes) } : {}) });
      };
      const s: SessionRecording = {
        sessionId: session,
        queryStarted: (i) => guard('query', i),
        queryEnded: (i) => guard('query.end', i),
        queryDenied: (i) => guard('query.denied', i),
        // The statement's end, when given, comes right after its answer (as the real recorder appends it).
        result: async (i, b, end) => {
          await guard('result', i, b);
          if (end) await guard('query.end', end);
        },
        openResult(i): ResultWriter {
          const parts: Buffer[] = [];
          return {
            async write(b) {
              if (rec.failing) throw unavailable();
              parts.push(Buffer.from(b));
            },
            async end() {
              const bytes = Buffer.concat(parts);
              rec.events.push({ type: 'result', session, info: i, bytes });
              return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
            },
            async abort(reason) {
              rec.events.push({ type: 'result.aborted', session, info: { ...i, reason } });
            },
          };
        },
        note: (kind, details) => guard(kind, details),
        end: async (reason) => {
          await rec.endGate;
          if (rec.closed) throw Object.assign(new Error('recorder closed'), { code: 'SNOWTRAIL_ERR_RECORDING_UNAVAILABLE' });
          return guard('session.end', { reason });
        },
      };
      return s;
    },
    async authFailure(details) {
      rec.events.push({ type: 'auth.failure', info: details });
    },
    async close() {
      rec.events.push({ type: 'recorder.close' });
      rec.closed = true;
    },
  };
  return rec;
}
