/**
 * Stand-alone entry for operators and CronJobs until `snowtrail sessions catalog build` exists:
 *   node --import tsx packages/catalog/src/main.ts build --store s3://bucket/prefix [--full]
 *   node --import tsx packages/catalog/src/main.ts query --store dir:/path "<SQL>"
 * Prints JSON on stdout; exits 0 on success, 1 on error (the error's code on stderr).
 */
import { openStore } from '@snowtrail/recording';
import { buildCatalog } from './build.js';
import { queryCatalog } from './query.js';

/** Parsed command line (pure). */
export interface CatalogArgs {
  command: 'build' | 'query';
  store: string;
  full: boolean;
  sql?: string;
}

/** Parses the command line; throws with a usage message when it is malformed (pure). */
export function parseCatalogArgs(argv: readonly string[]): CatalogArgs {
  const [command, ...rest] = argv;
  let store: string | undefined;
  let full = false;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--store') store = rest[++i];
    else if (a === '--full') full = true;
    else positional.push(a);
  }
  const usage = 'usage: catalog build --store <s3://bucket/prefix|dir:/path> [--full] | catalog query --store <…> "<SQL>"';
  if ((command !== 'build' && command !== 'query') || !store) throw new Error(usage);
  if (command === 'query' && positional.length !== 1) throw new Error(usage);
  return { command, store, full, ...(command === 'query' ? { sql: positional[0]! } : {}) };
}

async function main(): Promise<void> {
  const args = parseCatalogArgs(process.argv.slice(2));
  const store = await openStore(args.store);
  const out = args.command === 'build' ? await buildCatalog(store, { full: args.full }) : await queryCatalog(store, args.sql!);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ?? 'error'}: ${e.message ?? String(err)}\n`);
    process.exit(1);
  });
}
