/**
 * Golden recordings: a v1 recording (0.1.0's format) and a v2 one (result payloads as blobs), each
 * made by the project's own recorder, and their tampered variants
 * (packages/audit/testdata/v<N>/<case>/store, made by make-golden-recording.ts) must keep verifying,
 * showing and exporting exactly as the committed outputs in <case>/golden/ say. A change of output
 * is a visible diff: refresh with `UPDATE_GOLDEN=1 pnpm test packages/audit/test/golden.test.ts`
 * and review it. A golden file no case produces any more fails the run (stale).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirStore, listSessionIds, loadSessionListingForDisplay, loadStoreKeys, readSession, verifySession } from '@snowtrail/recording';
import { exportCsv, exportHtml, exportJson, memorySink, passSession, renderSessionShow, renderStatementResults, renderVerify, showDocument, type SessionExport } from '../src/index.js';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GENERATED_AT = '2026-12-01T00:00:00.000Z';

/** Every output of one case, by golden file name. */
async function outputsOf(storeDir: string): Promise<Record<string, string>> {
  const store = createDirStore(storeDir);
  const [id] = await listSessionIds(store);
  if (!id) throw new Error(`no session in ${storeDir}`);
  const keys = await loadStoreKeys(store);
  const verification = await verifySession(store, id, keys);
  const listing = await loadSessionListingForDisplay(store, id);
  const rebuilt = listing.rebuilt ? { rebuilt: true } : {};
  const pass = await passSession(readSession(store, id), { results: true, maxRows: 20 });
  const x: SessionExport = { summary: listing.summary, statements: listing.statements, verification, generatedAt: GENERATED_AT, records: () => readSession(store, id), ...rebuilt };
  const exported = async (write: (x: SessionExport, sink: ReturnType<typeof memorySink>['sink']) => Promise<void>): Promise<string> => {
    const m = memorySink();
    await write(x, m.sink);
    return m.text();
  };
  return {
    'verify.txt': renderVerify(verification),
    'show.txt': renderSessionShow(listing.summary, listing.statements, pass, rebuilt) + renderStatementResults(listing.statements, pass),
    'show.json': JSON.stringify(showDocument(listing, pass, { results: true }), null, 2) + '\n',
    'show-wide.txt': renderSessionShow(listing.summary, listing.statements, pass, { wide: true, ...rebuilt }),
    'export.json': await exported(exportJson),
    'export.csv': await exported(exportCsv),
    'export.html': await exported(exportHtml),
  };
}

const COMMON_CASES = ['event-invalid', 'index-removed', 'pristine', 'segment-flipped', 'segment-removed'];
const VERSIONS = [
  { version: 'v1', expected: COMMON_CASES },
  { version: 'v2', expected: ['blob-flipped', 'blob-removed', ...COMMON_CASES] },
];

describe.each(VERSIONS)('golden recordings ($version)', ({ version, expected }) => {
  const ROOT = join(TESTDATA, version);
  const cases = existsSync(ROOT) ? readdirSync(ROOT).sort() : [];

  it('has the pristine recording and its tampered variants', () => {
    expect(cases).toEqual(expected);
  });

  it.each(cases)('%s: verify, show and export outputs match the committed goldens', async (name) => {
    const dir = join(ROOT, name);
    const outputs = await outputsOf(join(dir, 'store'));
    const goldenDir = join(dir, 'golden');
    if (UPDATE) {
      await rm(goldenDir, { recursive: true, force: true });
      await mkdir(goldenDir, { recursive: true });
      for (const [file, text] of Object.entries(outputs)) await writeFile(join(goldenDir, file), text);
    }
    const committed = existsSync(goldenDir) ? (await readdir(goldenDir)).sort() : [];
    expect(committed).toEqual(Object.keys(outputs).sort());
    for (const [file, text] of Object.entries(outputs)) expect({ file, text }).toEqual({ file, text: await readFile(join(goldenDir, file), 'utf8') });
  });

  it('the outputs say what an auditor must see', async () => {
    const pristine = await outputsOf(join(ROOT, 'pristine', 'store'));
    expect(pristine['verify.txt']).toMatch(/^OK /);
    expect(pristine['show.txt']).toContain('denied by deny-ddl-outside-staging');
    expect(pristine['show.txt']).toContain('rule deny-ddl-outside-staging  reason statement_denied');
    expect(pristine['show.txt']).toContain('2026-11-01 00:00:01.000000000');
    expect(pristine['show.txt']).not.toContain('1793491201.000000000');
    expect(pristine['show.txt']).not.toContain('ann@example.com');
    expect(pristine['show.txt']).toMatch(/#\d+ select id, name, loaded_at from raw\.public\.events — 3 row\(s\)/);
    expect(pristine['export.csv']).toContain(',deny,deny-ddl-outside-staging,statement_denied,');
    expect(pristine['export.html']).toContain('<td>deny-ddl-outside-staging</td><td>statement_denied</td>');
    const removed = await outputsOf(join(ROOT, 'segment-removed', 'store'));
    expect(removed['verify.txt']).toMatch(/\[segment_missing\] segment 000002: listed in digest \d{6} but missing from the store/);
    expect(removed['show.txt']).toMatch(/!! DAMAGED: events seq \d+–\d+ cannot be shown — segment 000002 missing from the store/);
    expect(removed['export.html']).toContain('<tr class="damaged">');
    const doc = JSON.parse(pristine['show.json']!) as { statements: { decision?: string; rule?: string; reason?: string }[]; results: { rows: unknown[][] }[] };
    expect(doc.statements.find((st) => st.decision === 'deny')).toMatchObject({ rule: 'deny-ddl-outside-staging', reason: 'statement_denied' });
    expect(doc.results[1]!.rows[0]).toEqual(['10', 'first', '2026-11-01 00:00:01.000000000']);
    const noIndex = await outputsOf(join(ROOT, 'index-removed', 'store'));
    expect(noIndex['verify.txt']).toContain('[index_mismatch]');
    expect(noIndex['show.txt']).toContain('!! no readable index part: summary and statements rebuilt from the readable segments');
    expect(noIndex['show.txt']).toContain('denied by deny-ddl-outside-staging');
    const invalid = await outputsOf(join(ROOT, 'event-invalid', 'store'));
    expect(invalid['verify.txt']).toMatch(/\[event_invalid\] segment 000002: event seq \d+ \(query\.(denied|end)\): data\.requestId: Invalid input: expected string, received number/);
    expect((JSON.parse(invalid['export.json']!) as { damaged: unknown[] }).damaged).toHaveLength(1);
    if (version !== 'v2') return;
    const blobRemoved = await outputsOf(join(ROOT, 'blob-removed', 'store'));
    expect(blobRemoved['verify.txt']).toMatch(/\[blob_missing\] blob [0-9a-f]{16}…: listed in a digest but missing from the store/);
    expect(blobRemoved['show.txt']).toMatch(/blob [0-9a-f]{16}… is missing from the store/);
    const blobFlipped = await outputsOf(join(ROOT, 'blob-flipped', 'store'));
    expect(blobFlipped['verify.txt']).toContain('[blob_altered]');
    expect(blobFlipped['show.txt']).toMatch(/blob [0-9a-f]{16}… does not hold the referenced bytes/);
  });
});
