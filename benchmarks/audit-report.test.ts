import { describe, expect, it } from '@jest/globals';
import { renderAudit, type AuditResults, type CommandRun } from './audit-report.js';
import { renderCatalog } from './catalog-report.js';

const run = (command: string, seconds: number, rssMiB: number, exit = 0): CommandRun => ({ command, exit, seconds, rssMiB });
const results = (payloadMiB: number, sessions: number, over: Partial<Record<string, CommandRun>> = {}): AuditResults => ({
  quick: false,
  large: {
    payloadMiB,
    rowMiB: payloadMiB * 2,
    rows: 1000,
    chunks: 10,
    recordSeconds: 1,
    jsonExportMiB: 10,
    runs: ['verify', 'show --results', 'replay --speed 0 --results', 'export -o json', 'export -o csv', 'export -o html'].map((c) => over[c] ?? run(c, 5, 200)),
  },
  fleet: { sessions, recordSeconds: 1, concurrency: 8, cold: over.cold ?? run('verify --all (cold cache)', 50, 150), warm: over.warm ?? run('verify --all (incremental, nothing changed)', 10, 150) },
});
const met = (r: AuditResults): (boolean | undefined)[] => renderAudit(r).targets.map((t) => t.met);

describe('the auditor section', () => {
  it('claims the targets only at their sizes, and a failed or too-large run is not met', () => {
    expect(met(results(1024, 10_000))).toEqual([true, true, true]);
    expect(met(results(16, 100))).toEqual([undefined, undefined, undefined]);
    expect(met(results(1024, 10_000, { 'export -o json': run('export -o json', 30, 257) }))).toEqual([true, false, true]);
    expect(met(results(1024, 10_000, { 'show --results': run('show --results', 3, 100, 134) }))).toEqual([true, false, true]);
    expect(met(results(1024, 10_000, { verify: run('verify', 10.5, 100), cold: run('verify --all (cold cache)', 61, 100) }))).toEqual([false, true, false]);
  });

  it('the catalog target needs both stores at 10,000 sessions to be met, and any full-size query over 2 s fails it', () => {
    const c = (store: 'dir' | 'radosgw', sessions: number, ms: number) => ({ store, sessions, what: 'list --pod p', catalogMs: ms, count: 1, targetMs: 2000 });
    expect(renderCatalog({ quick: false, sessions: 10_000, radosgwSessions: 1000, cases: [c('dir', 10_100, 900), c('radosgw', 1000, 800)] }).targets[0]!.met).toBeUndefined();
    expect(renderCatalog({ quick: false, sessions: 10_000, radosgwSessions: 10_000, cases: [c('dir', 10_100, 900), c('radosgw', 10_000, 1800)] }).targets[0]!.met).toBe(true);
    expect(renderCatalog({ quick: false, sessions: 10_000, radosgwSessions: 1000, cases: [c('dir', 10_100, 2100), c('radosgw', 1000, 800)] }).targets[0]!.met).toBe(false);
  });
});
