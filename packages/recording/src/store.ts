/** The object store seen by the writer and the reader: S3-compatible or a directory, same layout. */

/** Options of one object write. */
export interface PutOptions {
  contentType: string;
  /** SHA-256 (hex) of the body, stored as metadata and checked by the store where it can. */
  sha256: string;
}

/** Object Lock settings of a stored object, as reported by the store. */
export interface ObjectRetention {
  mode?: string;
  retainUntil?: Date;
  versionId?: string;
}

/** What both stores offer. */
export interface ObjectStore {
  /** Human description (`s3://bucket/prefix`, `dir:/path`). */
  readonly description: string;
  /** Key prefix under which the v1 layout lives ('' or 'a/b/'). */
  readonly prefix: string;
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  /** The object's bytes as a stream (large v2 blobs), or undefined when it does not exist. */
  getStream?(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /**
   * Reads the object through `scratch`, one piece at a time: each piece is a view of `scratch`,
   * valid only until `onPiece` returns (nothing is allocated per piece). False when it does not exist.
   */
  readPieces?(key: string, scratch: Buffer, onPiece: (piece: Buffer) => void): Promise<boolean>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
  /** The immediate sub-"folders" of a prefix (names without the prefix and trailing slash). */
  listFolders(prefix: string): Promise<string[]>;
  /** Object Lock settings (S3 only; undefined for the directory store). */
  retention?(key: string): Promise<ObjectRetention | undefined>;
}

/** Reads an object as a stream where the store can, else whole (one piece); undefined when absent. */
export async function readObjectStream(store: ObjectStore, key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
  if (store.getStream) return store.getStream(key);
  const body = await store.get(key);
  if (!body) return undefined;
  return (async function* one() {
    yield body;
  })();
}
