import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ClassifiedStatement, Decision, StatementClass } from '@snowtrail/policy';
import { encodeJsonBody, formatSnowflakeToken, type QueryRequest } from '@snowtrail/protocol';
import { judgePlanObjects, planObjectsOf, planUnavailable, readsData } from './plan-objects.js';
import type { ProxyContext } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';
import { forwardableHeaders } from './upstream-client.js';

/** What plan verification found: the objects the plans scan, and a denial when one is not allowed. */
export interface PlanVerification {
  /** Set when at least one statement was sent to the compiler. */
  objects?: string[];
  decision?: Decision;
}

/** Classes that change neither the session's context nor the catalog, so a later statement's plan taken now still holds. */
const INERT: ReadonlySet<StatementClass> = new Set<StatementClass>(['SELECT', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'TRANSACTION']);

/**
 * Runs `EXPLAIN USING JSON <statement>` upstream, in the client's own Snowflake session (its real
 * token, so the same database, schema, role and warehouse), and returns the parsed answer. Throws
 * when Snowflake cannot be reached or answers with something other than JSON.
 */
async function explainUpstream(ctx: ProxyContext, req: IncomingMessage, entry: SessionEntry, text: string, bindings: QueryRequest['bindings']): Promise<unknown> {
  const headers = forwardableHeaders(req.headers);
  delete headers['accept-encoding'];
  delete headers['content-encoding'];
  headers.authorization = formatSnowflakeToken(entry.realSessionToken);
  headers['content-type'] = 'application/json';
  const body: QueryRequest = { sqlText: `EXPLAIN USING JSON ${text}`, asyncExec: false, ...(bindings !== undefined ? { bindings } : {}) };
  const path = `/queries/v1/query-request?requestId=${randomUUID()}&request_guid=${randomUUID()}`;
  const answer = await ctx.upstream.buffered({ method: 'POST', path, headers, body: encodeJsonBody(body, false) });
  ctx.metrics.upstreamDuration.observe({ endpoint: 'queryRequest' }, answer.elapsed);
  if (answer.status !== 200) throw new Error(`Snowflake answered HTTP ${answer.status}`);
  return JSON.parse(answer.bytes.toString('utf8')) as unknown;
}

/**
 * `policy.verify: explain`: asks Snowflake's compiler what each allowed statement that reads data
 * scans, and denies when a scanned table is not allowed for reading (`plan_read_denied`) or when no
 * plan can be had (`plan_unavailable`: fail closed). Statements after one that may change the
 * context or the catalog within the same request, and statements with staged binds, cannot be
 * planned ahead of running and are denied. Never throws.
 */
export async function verifyByPlan(ctx: ProxyContext, req: IncomingMessage, entry: SessionEntry, statements: readonly ClassifiedStatement[], body: QueryRequest): Promise<PlanVerification> {
  const policy = ctx.config().policy;
  const objects = new Set<string>();
  let asked = false;
  const done = (decision?: Decision): PlanVerification => {
    if (decision || asked) ctx.metrics.planVerifications.inc({ outcome: decision ? String(decision.reasonKey) : 'allowed' });
    return { ...(asked ? { objects: [...objects] } : {}), ...(decision ? { decision } : {}) };
  };
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (!readsData(s)) continue;
    if (body.bindStage !== undefined) return done(planUnavailable(s, i, 'its binds are staged'));
    if (statements.length > 1 && body.bindings !== undefined) return done(planUnavailable(s, i, 'binds of a multi-statement request'));
    if (statements.slice(0, i).some((p) => !INERT.has(p.class))) return done(planUnavailable(s, i, 'an earlier statement of the request may change what it names'));
    let answer: unknown;
    asked = true;
    try {
      answer = await explainUpstream(ctx, req, entry, s.text, body.bindings);
    } catch (err) {
      ctx.logger.warn({ err, session: entry.id }, 'plan verification: EXPLAIN failed; statement denied');
      return done(planUnavailable(s, i, 'EXPLAIN did not answer'));
    }
    const plan = planObjectsOf(answer);
    if (!plan.ok) return done(planUnavailable(s, i, plan.why));
    for (const o of plan.objects) objects.add(o);
    const denied = judgePlanObjects(s, plan.objects, policy, i);
    if (denied) return done(denied);
  }
  return done();
}
