/** Where streamed output goes: a writable that is waited on when its buffer is full. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes text (or UTF-8 bytes); resolves when the destination can take more (backpressure respected). */
export type Sink = (text: string | Uint8Array) => Promise<void>;

/** A sink over a Node writable (stdout, a file stream). */
export function streamSink(stream: Writable): Sink {
  return async (text: string | Uint8Array) => {
    if (text.length === 0) return;
    if (!stream.write(text)) await once(stream, 'drain');
  };
}

/** A sink that keeps the text (tests, goldens). */
export function memorySink(): { sink: Sink; text: () => string } {
  const parts: string[] = [];
  return { sink: (t) => (parts.push(typeof t === 'string' ? t : Buffer.from(t).toString('utf8')), Promise.resolve()), text: () => parts.join('') };
}
