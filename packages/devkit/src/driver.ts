/**
 * The official snowflake-sdk driver, promisified once (its API is callbacks), for tests, benchmarks
 * and the demo: every caller drives snowtrail the way a real pipeline does.
 */
import { generateKeyPairSync } from 'node:crypto';
import snowflake from 'snowflake-sdk';

snowflake.configure({ logLevel: 'OFF' });

/** A snowflake-sdk connection. */
export type Connection = ReturnType<typeof snowflake.createConnection>;
/** A snowflake-sdk statement. */
export type Statement = ReturnType<Connection['execute']>;

/** An RSA-2048 key pair as PEM strings (SPKI public, PKCS#8 private), as Snowflake key-pair auth uses. */
export function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Connects a new driver connection; rejects with the driver's error. */
export function connect(options: Record<string, unknown>): Promise<Connection> {
  const conn = snowflake.createConnection(options as never);
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(conn))));
}

/** The outcome of one statement. */
export interface Executed {
  rows: Record<string, unknown>[];
  statement: Statement;
}

/** Executes a statement and collects its rows (rejects with the driver's error, statement attached). */
export function execute(conn: Connection, sqlText: string, extra: Record<string, unknown> = {}): Promise<Executed> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...extra,
      complete: (err: Error | undefined, statement: Statement, rows: unknown[] | undefined) => {
        if (err) reject(Object.assign(err, { statement }));
        else resolve({ rows: (rows ?? []) as Record<string, unknown>[], statement });
      },
    } as never);
  });
}

/** Executes a statement with `streamResult` and counts the rows as they stream (large results). */
export function executeStreamCount(conn: Connection, sqlText: string, extra: Record<string, unknown> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...extra,
      streamResult: true,
      complete: (err: Error | undefined, statement: Statement) => {
        if (err) return reject(Object.assign(err, { statement }));
        let n = 0;
        statement.streamRows().on('data', () => n++).on('error', reject).on('end', () => resolve(n));
      },
    } as never);
  });
}

/** Destroys a connection, ignoring errors (safe in afterEach). */
export function destroy(conn: Connection | undefined): Promise<void> {
  if (!conn) return Promise.resolve();
  return new Promise((resolve) => conn.destroy(() => resolve()));
}
