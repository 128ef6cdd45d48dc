/**
 * The control of the slow-reader test: the JSON export of a session written to stdout by a writer
 * that does not wait when stdout is full (write() returning false is ignored). Run against a reader
 * that does not read, it must keep producing and hold the output in memory.
 *   node --import tsx ignore-backpressure.ts <store dir> <session id>
 */
import { createDirStore, loadSessionListingForDisplay, loadStoreKeys, readSession, verifySession } from '@snowtrail/recording';
import { exportJson } from '../src/index.js';

const [dir, id] = process.argv.slice(2);
const store = createDirStore(dir!);
const listing = await loadSessionListingForDisplay(store, id!);
const verification = await verifySession(store, id!, await loadStoreKeys(store));
await exportJson({ summary: listing.summary, statements: listing.statements, verification, generatedAt: new Date().toISOString(), records: () => readSession(store, id!) }, (text) => {
  process.stdout.write(text);
  return Promise.resolve();
});
