import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { blobRefOf, createDirStore, listSessionIds, loadStoreKeys, readBlob, readSessionEvents, REDACTED_VALUE, verifySession, type RecordingEvent } from '@snowtrail/recording';
import { EXTERNAL_DRIVERS, runHarness, type HarnessReport } from '../src/run-harness.js';
import { startSuiteStack, SUITE_ACCOUNT, SUITE_USER, type SuiteStack } from '../src/stack.js';

const python = EXTERNAL_DRIVERS.find((d) => d.name === 'python')!;

describe('masking an Arrow answer in the recording, through the real sidecar', () => {
  let stack: SuiteStack;
  let report: HarnessReport | undefined;
  const events: RecordingEvent[] = [];
  /** The stored bytes of each result event: its blob (format v2) or its base64 (v1). */
  const payloads = new Map<RecordingEvent, Buffer>();

  beforeAll(async () => {
    if (!python.installed()) return;
    stack = await startSuiteStack(['DRV_REDACT'], { redact: ['email'] });
    const casesFile = join(stack.dir, 'redact-cases.json');
    await writeFile(casesFile, JSON.stringify([{ name: 'pii', kind: 'query', sql: "select 1 as id, 'a@b.c' as email union all select 2, null order by id" }]));
    const url = new URL(stack.sidecar.url);
    report = await runHarness(
      python,
      {
        mode: 'sidecar', host: url.hostname, port: Number(url.port), account: SUITE_ACCOUNT, user: SUITE_USER, database: 'DRV_REDACT', schema: 'PUBLIC',
        warehouse: 'COMPUTE_WH', emulatorUrl: stack.emulator.url, casesFile, auth: { kind: 'oauth', token: await stack.mint() },
      },
      stack.dir,
    );
    await stack.stopSidecar();
    const store = createDirStore(stack.storeDir);
    const keys = await loadStoreKeys(store);
    for (const id of await listSessionIds(store)) {
      expect((await verifySession(store, id, keys)).problems).toEqual([]);
      for await (const e of readSessionEvents(store, id)) {
        events.push(e);
        const ref = blobRefOf(e);
        if (ref) {
          const parts: Uint8Array[] = [];
          for await (const part of (await readBlob(store, id, ref))!) parts.push(part);
          payloads.set(e, Buffer.concat(parts));
        } else if (e.type.startsWith('result')) payloads.set(e, Buffer.from(String((e.data as { base64?: string }).base64 ?? ''), 'base64'));
      }
    }
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('gives the client the real values in Arrow and records the masked value, with the original answer’s hash', () => {
    if (!python.installed()) {
      if (process.env.CI) throw new Error('the Python connector is not installed');
      return;
    }
    expect(report!.cases.pii).toMatchObject({ ok: true, format: 'arrow', rows: [['1', 'a@b.c'], ['2', null]] });
    const inline = events.find((e) => e.type === 'result' && (e.data as { part?: string; redaction?: unknown }).part === 'inline' && (e.data as { redaction?: unknown }).redaction);
    const data = inline!.data as { format: string; sha256: string; redaction: { method: string; columns: string[]; originalSha256: string } };
    expect([data.format, data.redaction.method, data.redaction.columns]).toEqual(['arrow', 'replace', ['EMAIL']]);
    expect(data.redaction.originalSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(data.redaction.originalSha256).not.toBe(data.sha256);
    const stored = JSON.parse(payloads.get(inline!)!.toString('utf8')) as { data: { rowsetBase64: string } };
    const rows = tableFromIPC(Buffer.from(stored.data.rowsetBase64, 'base64')).toArray().map((r) => r.toJSON());
    expect(rows).toEqual([{ ID: 1, EMAIL: REDACTED_VALUE }, { ID: 2, EMAIL: null }]);
    // No stored result payload holds the value (the statement text, which names it here, is recorded as sent).
    expect(payloads.size).toBeGreaterThan(0);
    expect([...payloads.values()].map((b) => b.toString('utf8')).join('\n')).not.toContain('a@b.c');
  });
});
