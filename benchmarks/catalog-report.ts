/** Renders benchmarks/catalog.ts's JSON results as a section of docs/benchmarks.md, with issue 12's list/trace target. Pure. */
import type { BenchSection, TargetRow } from './lib/report.js';

/** One measured case (as catalog.ts prints it). */
export interface CatalogCase {
  store: 'dir' | 'radosgw';
  sessions: number;
  what: string;
  walkMs?: number;
  catalogMs: number;
  count: number;
  targetMs?: number;
}

/** What catalog.ts prints with --json. */
export interface CatalogResults {
  quick: boolean;
  sessions: number;
  radosgwSessions: number;
  cases: CatalogCase[];
}

const TARGET_SESSIONS = 10_000;
const s = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

/** The catalog section; the target is claimed only for stores measured at 10,000 sessions. */
export function renderCatalog(r: CatalogResults): BenchSection {
  const markdown = [
    '`benchmarks/catalog.ts`: sessions recorded by the real recorder, their index parts cloned under new ids, times and identities;',
    'each query answered by the index walk and by the Parquet catalog (its parts plus the sessions not compacted yet); the two answers',
    'are checked equal.',
    '',
    '| store | sessions | query | walk | catalog | rows |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.cases.map((c) => `| ${c.store} | ${c.sessions.toLocaleString('en-US')} | ${c.what} | ${s(c.walkMs)} | ${s(c.catalogMs)} | ${c.count} |`),
  ].join('\n');
  const queries = r.cases.filter((c) => c.targetMs !== undefined);
  const byStore = (store: CatalogCase['store']): CatalogCase[] => queries.filter((c) => c.store === store);
  const slowest = (cs: CatalogCase[]): CatalogCase | undefined => cs.reduce<CatalogCase | undefined>((m, c) => (!m || c.catalogMs > m.catalogMs ? c : m), undefined);
  const parts = (['dir', 'radosgw'] as const).map((store) => {
    const w = slowest(byStore(store));
    return w ? `${store}: slowest ${s(w.catalogMs)} (${w.what}, ${w.sessions.toLocaleString('en-US')} sessions)` : `${store}: not run`;
  });
  const full = (['dir', 'radosgw'] as const).every((store) => byStore(store).some((c) => c.sessions >= TARGET_SESSIONS));
  const anyFullOver = queries.some((c) => c.sessions >= TARGET_SESSIONS && c.catalogMs > 2000);
  const target: TargetRow = {
    target: '`list` by pod, service account or time, and `trace <table> --writes`, over 10,000 sessions (dir store and radosgw) ≤ 2 s each',
    measured: parts.join('; '),
    met: anyFullOver ? false : full ? true : undefined,
    before: '32–68 s in a dir store; 548 s for 1,000 sessions on radosgw (issue 12)',
  };
  return { name: 'catalog', title: 'Catalog: list and trace over many sessions (issue 12)', markdown, targets: [target] };
}
