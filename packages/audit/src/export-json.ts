/**
 * `sessions export -o json`, streamed: the summary, statements (denials with their rule and reason),
 * verification, then every readable event one per line as stored (result payloads stay base64), then
 * every result part decoded row by row (JSON and Arrow; values readable by column type), then the
 * damaged ranges. Never builds the document as one string, so a session of any size exports: each
 * section is a fresh streaming read of the session and only the part being decoded is in memory.
 */
import { decodedParts, type DecodedResultPart } from './part-stream.js';
import { passSession, type Denial } from './session-pass.js';
import { formatCell } from './wire-values.js';
import type { Sink } from './sink.js';
import { withDenial, type SessionExport } from './export-input.js';

const indent = (v: unknown): string => JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');

/** Writes the JSON export to the sink. */
export async function exportJson(x: SessionExport, sink: Sink): Promise<void> {
  const pass = await passSession(x.records());
  await sink(`{\n  "summary": ${indent(x.summary)},\n  "statements": `);
  await writeStatements(x, pass.denials, sink);
  await sink(`,\n  "verification": ${indent(x.verification)},\n  "generatedAt": ${JSON.stringify(x.generatedAt)},${x.rebuilt ? '\n  "indexRebuilt": true,' : ''}\n  "events": [`);
  let first = true;
  for await (const r of x.records()) {
    if (r.kind !== 'event') continue;
    // The stored line is the event's canonical JSON: written as is, not serialised again.
    await sink(`${first ? '' : ','}\n    `);
    await sink(r.line ?? JSON.stringify(r.event));
    first = false;
  }
  await sink(`${first ? '' : '\n  '}],\n  "results": [`);
  first = true;
  for await (const d of decodedParts(x.records())) {
    await writePart(d, sink, first);
    first = false;
  }
  await sink(`${first ? '' : '\n  '}],\n  "damaged": ${indent(pass.damaged)}\n}\n`);
}

/**
 * The statements array, a batch at a time and byte for byte as `indent` would write it: a session of
 * millions of statements must not become one string (V8 caps a string near 512 MiB).
 */
async function writeStatements(x: SessionExport, denials: ReadonlyMap<number, Denial>, sink: Sink): Promise<void> {
  if (x.statements.length === 0) return sink('[]');
  for (let i = 0; i < x.statements.length; i += 500) {
    const batch = x.statements.slice(i, i + 500).map((s, j) => `${i + j === 0 ? '[' : ','}\n    ${JSON.stringify(withDenial(s, denials), null, 2).replace(/\n/g, '\n    ')}`);
    await sink(batch.join(''));
  }
  await sink('\n  ]');
}

/** One decoded part: its statement, columns, rows (a batch at a time) and any problem. */
async function writePart(d: DecodedResultPart, sink: Sink, first: boolean): Promise<void> {
  const head = { ...(d.seq !== undefined ? { seq: d.seq } : {}), partId: d.part.partId, part: d.part.part, format: d.part.format, columns: d.columns, ...(d.part.redaction ? { redactedColumns: d.part.redaction.columns } : {}) };
  await sink(`${first ? '' : ','}\n    ${JSON.stringify(head).slice(0, -1)},"rows":[`);
  let batch: string[] = [];
  let count = 0;
  let problem = d.problem;
  try {
    for await (const rows of d.batches) {
      for (const row of rows) {
        batch.push(JSON.stringify(row.map((c, i) => (c === null ? null : formatCell(c, d.columns[i])))));
        if (batch.length === 1000) {
          await sink(`${count === 0 ? '' : ','}\n      ${batch.join(',\n      ')}`);
          count += batch.length;
          batch = [];
        }
      }
    }
  } catch (err) {
    problem = `${d.problem ? `${d.problem}; ` : ''}could not be decoded past row ${count + batch.length} (${(err as Error).message})`;
  }
  if (batch.length > 0) await sink(`${count === 0 ? '' : ','}\n      ${batch.join(',\n      ')}`);
  count += batch.length;
  await sink(`${count === 0 ? '' : '\n    '}]${problem ? `,"problem":${JSON.stringify(problem)}` : ''}}`);
}
