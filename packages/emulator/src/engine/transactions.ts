/**
 * Snowflake's transaction rules on top of DuckDB's: with AUTOCOMMIT = FALSE the first statement
 * opens a transaction that lasts until COMMIT or ROLLBACK (the Python connector's
 * `autocommit(False)` and JDBC's `setAutoCommit(false)` rely on it); COMMIT and ROLLBACK without
 * an open transaction succeed and do nothing (DuckDB would fail them); BEGIN inside a transaction
 * is a no-op; turning AUTOCOMMIT back on commits what is open.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** A transaction-control statement, or undefined for any other statement. */
export type TransactionCommand = 'begin' | 'commit' | 'rollback';

/** Classifies a statement's text. */
export function transactionCommand(sql: string): TransactionCommand | undefined {
  const text = sql.trim().replace(/;\s*$/, '').toUpperCase().replace(/\s+/g, ' ');
  if (/^(BEGIN( WORK| TRANSACTION)?( NAME \S+)?|START TRANSACTION( NAME \S+)?)$/.test(text)) return 'begin';
  if (/^COMMIT( WORK)?$/.test(text)) return 'commit';
  if (/^ROLLBACK( WORK)?$/.test(text)) return 'rollback';
  return undefined;
}

/** Statements that never open an implicit transaction (session state, metadata). */
export function opensImplicitTransaction(planKind: string): boolean {
  return planKind === 'sql';
}

/** Applies BEGIN/COMMIT/ROLLBACK to a session's DuckDB connection with Snowflake's no-op cases. */
export async function runTransactionCommand(command: TransactionCommand, state: { conn: DuckDBConnection; inTransaction?: boolean }): Promise<void> {
  if (command === 'begin') {
    if (!state.inTransaction) await state.conn.run('BEGIN TRANSACTION');
    state.inTransaction = true;
    return;
  }
  if (state.inTransaction) await state.conn.run(command === 'commit' ? 'COMMIT' : 'ROLLBACK');
  state.inTransaction = false;
}
