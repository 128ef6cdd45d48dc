/**
 * `snowtrail sessions query` and `snowtrail sessions catalog build`: the Parquet catalog of sessions
 * and statements (docs/catalog.md). Registered by `sessions.ts`, which hands over its store and
 * output helpers so every `sessions` subcommand opens stores and prints the same way.
 */
import type { Command } from 'commander';
import type { ObjectStore } from '@snowtrail/recording';
import type { OutputFormat } from './sessions-args.js';
import { outputOption } from './sessions-args.js';

/** What the catalog commands borrow from `snowtrail sessions`. */
export interface SessionsKit {
  withStore(cmd: Command): Command;
  run<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void>;
  open(opts: Record<string, unknown>): Promise<ObjectStore>;
  out(text: string): Promise<void>;
  printObjects(format: OutputFormat, value: unknown): Promise<void>;
  timeArg(value: string): Date;
}

/** Renders query rows as an aligned text table (columns in the order of the first row). */
export function renderRows(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\s+/g, ' ');
  const table = [columns, ...rows.map((r) => columns.map((c) => cell(r[c])))];
  const widths = columns.map((_, i) => Math.min(60, Math.max(...table.map((line) => line[i]!.length))));
  const fit = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  return table.map((line) => line.map((s, i) => fit(s, widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Registers `query` and `catalog build` under `snowtrail sessions`. */
export function registerCatalogCommands(sessions: Command, kit: SessionsKit): void {
  kit
    .withStore(sessions.command('query <sql>'))
    .description('SQL (DuckDB) over the catalog\'s `sessions` and `statements` tables, plus the sessions not compacted yet (docs/catalog.md)')
    .option('--since <time>', 'only partitions from this day on (ISO time or age like 7d)', kit.timeArg)
    .option('--until <time>', 'only partitions up to this day', kit.timeArg)
    .option('--namespace <ns>', 'only this namespace\'s partitions (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .addOption(outputOption())
    .action(
      kit.run(async (sql: string, o: { since?: Date; until?: Date; namespace?: string[]; output: OutputFormat }) => {
        const store = await kit.open(o);
        const { querySessions } = await import('@snowtrail/catalog');
        const rows = await querySessions(store, sql, { ...(o.since ? { since: o.since } : {}), ...(o.until ? { until: o.until } : {}), ...(o.namespace ? { namespaces: o.namespace } : {}) });
        if (o.output === 'json' || o.output === 'yaml') await kit.printObjects(o.output, rows);
        else await kit.out(renderRows(rows));
      }),
    );

  const catalog = sessions.command('catalog').description('the Parquet catalog that `list`, `trace` and `query` read (docs/catalog.md)');
  kit
    .withStore(catalog.command('build'))
    .description('compact new and changed sessions into the catalog (incremental, safe to re-run and to interrupt; run it from a CronJob)')
    .option('--full', 'rebuild from every session\'s index parts instead of only what changed')
    .addOption(outputOption())
    .action(
      kit.run(async (o: { full?: boolean; output: OutputFormat }) => {
        const store = await kit.open(o);
        const { buildCatalog } = await import('@snowtrail/catalog');
        const report = await buildCatalog(store, { ...(o.full ? { full: true } : {}) });
        if (o.output === 'json' || o.output === 'yaml') {
          await kit.printObjects(o.output, report);
          return;
        }
        await kit.out(
          report.runId
            ? `catalog run ${report.runId}: ${report.sessionsChanged} session(s) changed of ${report.sessionsRead} read, ${report.partitionsWritten} partition(s) written, ${report.sessionsCovered} session(s) covered\n`
            : `catalog up to date: ${report.sessionsCovered} session(s) covered, nothing changed\n`,
        );
      }),
    );
}
