import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeJsonBody, type EndpointName } from '@snowtrail/protocol';
import type { ProxyContext } from './proxy-context.js';
import { forwardableHeaders, type UpstreamBufferedAnswer } from './upstream-client.js';
import { answerUpstreamFailure } from './upstream-failure.js';

/** One buffered exchange with Snowflake, as a handler describes it after its own body transform. */
export interface BufferedForward {
  endpoint: EndpointName;
  method: 'GET' | 'POST';
  /** Path and query string. */
  path: string;
  /** The real `Snowflake Token="…"` to send, if the endpoint is authenticated. */
  authorization?: string;
  /** The JSON value to send: always the canonical re-serialisation of what was judged. */
  body?: unknown;
  /** Gzip the body again (the client had). */
  gzip?: boolean;
}

/**
 * The one buffered forwarding path of login, renewal, query request and result fetch (the process
 * loop of Teleport's Snowflake engine): header rules, the upstream call, failure mapping, timing and
 * the upstream-duration metric. Returns the answer, or undefined when the failure was answered.
 */
export async function forwardBuffered(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, f: BufferedForward): Promise<UpstreamBufferedAnswer | undefined> {
  const headers = forwardableHeaders(req.headers);
  // The sidecar reads every buffered answer itself; the body it sends is its own serialisation.
  delete headers['accept-encoding'];
  delete headers['content-encoding'];
  if (f.authorization !== undefined) headers.authorization = f.authorization;
  let bytes: Buffer | undefined;
  if (f.body !== undefined) {
    headers['content-type'] = 'application/json';
    bytes = encodeJsonBody(f.body, f.gzip === true);
    if (f.gzip) headers['content-encoding'] = 'gzip';
  }
  let answer: UpstreamBufferedAnswer;
  try {
    answer = await ctx.upstream.buffered({ method: f.method, path: f.path, headers, body: bytes });
  } catch (err) {
    answerUpstreamFailure(ctx, res, err, f.endpoint);
    return undefined;
  }
  ctx.metrics.upstreamDuration.observe({ endpoint: f.endpoint }, answer.elapsed);
  return answer;
}
