/**
 * Test helpers: the official snowflake-sdk driver, promisified carefully (its API is callbacks),
 * and RSA key pairs for key-pair login.
 */
import { generateKeyPairSync } from 'node:crypto';
import snowflake from 'snowflake-sdk';

snowflake.configure({ logLevel: 'OFF' });

/** A snowflake-sdk connection. */
export type Connection = ReturnType<typeof snowflake.createConnection>;
/** A snowflake-sdk statement. */
export type Statement = ReturnType<Connection['execute']>;

/** An RSA key pair as PEM strings. */
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
  return new Promise((resolve, reject) => {
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  });
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

/** Destroys a connection, ignoring errors (used in afterEach). */
export function destroy(conn: Connection | undefined): Promise<void> {
  if (!conn) return Promise.resolve();
  return new Promise((resolve) => {
    conn.destroy(() => resolve());
  });
}

/** Default connection options for an emulator URL. */
export function baseOptions(url: string, account = 'SNOWTRAIL'): Record<string, unknown> {
  return { accessUrl: url, account };
}
