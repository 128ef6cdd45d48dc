/**
 * The control of the bounded-memory test: what a reader that keeps a whole result does — every
 * decoded row of the session in one array. Run under the same heap cap as the CLI, it must die.
 *   node --max-old-space-size=<n> --import tsx hold-all-rows.ts <store dir> <session id>
 */
import { decodedParts } from '../src/index.js';
import { createDirStore, readSession } from '@snowtrail/recording';

const [dir, id] = process.argv.slice(2);
const store = createDirStore(dir!);
const all: unknown[] = [];
for await (const part of decodedParts(readSession(store, id!))) for await (const batch of part.batches) all.push(...batch);
process.stdout.write(`held ${all.length} rows\n`);
