/**
 * `sessions export -o json`, streamed: the summary, statements (denials with their rule and reason),
 * verification, then every readable event one per line as stored (result payloads stay base64), then
 * the damaged ranges. Never builds the document as one string, so a session of any size exports.
 */
import { passSession } from './session-pass.js';
import type { Sink } from './sink.js';
import { withDenial, type SessionExport } from './export-input.js';

const indent = (v: unknown): string => JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');

/** Writes the JSON export to the sink. */
export async function exportJson(x: SessionExport, sink: Sink): Promise<void> {
  const pass = await passSession(x.records());
  await sink(`{\n  "summary": ${indent(x.summary)},\n  "statements": ${indent(x.statements.map((s) => withDenial(s, pass.denials)))},\n  "verification": ${indent(x.verification)},\n  "generatedAt": ${JSON.stringify(x.generatedAt)},\n  "events": [`);
  let first = true;
  for await (const r of x.records()) {
    if (r.kind !== 'event') continue;
    await sink(`${first ? '' : ','}\n    ${JSON.stringify(r.event)}`);
    first = false;
  }
  await sink(`${first ? '' : '\n  '}],\n  "damaged": ${indent(pass.damaged)}\n}\n`);
}
