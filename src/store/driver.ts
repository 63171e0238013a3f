/**
 * The little a database must offer the store: parameterised statements with
 * `?` placeholders, transactions and closing. SQLite and PostgreSQL each
 * implement it; the SQL itself lives once, in migrations.ts and sql-store.ts.
 */

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/** One connection (or pool) to a database. */
export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs one or more statements without parameters (schema changes). */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows. */
  all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /** Takes a lock that serialises migrations across processes sharing the database (held until commit). */
  lockForMigration(tx: SqlDriver): Promise<void>;
  close(): Promise<void>;
}
