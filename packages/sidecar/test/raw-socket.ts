/** A raw TCP client for attacks a driver or fetch cannot send: lying lengths, endless bodies, broken HTTP. */
import { connect } from 'node:net';

/** An HTTP answer as read off the socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the client managed to write before the answer came (or the socket closed). */
  written: number;
}

/** Options of sendRaw. */
export interface RawSend {
  /** The request head, CRLF-separated, without the blank line. */
  head: string;
  /** Body bytes to offer, written in pieces until the answer arrives. */
  bodyBytes?: number;
  /** The byte the body consists of. */
  fill?: string;
  pieceBytes?: number;
  /** Sent verbatim after the head's blank line instead of a generated body. */
  body?: Buffer;
}

/** Sends a request over a fresh socket and reads the answer; stops writing as soon as an answer arrives. */
export function sendRaw(url: string, send: RawSend): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let got = Buffer.alloc(0);
    let written = 0;
    let answered = false;
    const finish = (): void => {
      const text = got.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`no HTTP answer (got ${JSON.stringify(text.slice(0, 200))})`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: got.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1')).toString('utf8'), written });
    };
    socket.on('data', (d: Buffer) => {
      answered = true;
      got = Buffer.concat([got, d]);
      const text = got.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const m = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split !== -1 && m && got.length >= split + 4 + Number(m[1])) {
        socket.destroy();
        finish();
      }
    });
    socket.on('close', () => {
      if (answered) finish();
      else reject(new Error(`socket closed without an answer after ${written} body bytes`));
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(`${send.head}\r\n\r\n`);
      if (send.body) {
        socket.write(send.body);
        written = send.body.length;
        return;
      }
      const total = send.bodyBytes ?? 0;
      const piece = Buffer.alloc(send.pieceBytes ?? 64 * 1024, send.fill ?? ' ');
      const pump = (): void => {
        while (!answered && !socket.destroyed && written < total) {
          const n = Math.min(piece.length, total - written);
          written += n;
          if (!socket.write(piece.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}
