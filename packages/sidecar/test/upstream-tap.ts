/**
 * A recording HTTP relay between the sidecar and the emulator: every request that would reach
 * Snowflake is kept (method, path, decompressed body), so attack tests can assert that nothing
 * reached the upstream.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One request as the upstream saw it. */
export interface TappedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A running tap. */
export interface UpstreamTap {
  url: string;
  requests: TappedRequest[];
  close(): Promise<void>;
}

/** Starts a relay to `target` that records every request. */
export async function startUpstreamTap(target: string): Promise<UpstreamTap> {
  const to = new URL(target);
  const requests: TappedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const plain = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: plain.toString('utf8') });
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${a.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
