/**
 * What the two SQLite drivers share: a synchronous connection (the native
 * file database of sqlite.ts, or the WebAssembly in-memory one of
 * sqljs.ts) turned into a {@link SqlDriver} whose statements run one at a
 * time, so that a transaction never interleaves with other work. Both
 * drivers therefore begin, commit and roll back in exactly the same way.
 *
 * This module imports no SQLite build itself.
 */
import type { SqlDriver, SqlValue } from './driver.js';

/** A synchronous SQLite connection, as the store uses it. */
export interface SqliteConnection {
  /** Runs one or more statements without parameters. */
  exec(sql: string): void;
  /** Runs a query and returns its rows as objects keyed by column name. */
  all(sql: string, params: readonly SqlValue[]): object[];
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params: readonly SqlValue[]): number;
  /** Rolls back the open transaction; does nothing when none is open. */
  rollback(): void;
  /** Closes the connection; does nothing when it is already closed. */
  close(): void;
}

/** Runs `work` and turns what it returns or throws into a settled promise. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}

/** The connection inside {@link SerialSqliteDriver.transaction}: statements run directly. */
class InTransaction implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  constructor(private readonly connection: SqliteConnection) {}

  exec(sql: string): Promise<void> {
    return settle(() => this.connection.exec(sql));
  }
  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return settle(() => this.connection.all(sql, params) as T[]);
  }
  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return settle(() => this.connection.run(sql, params));
  }
  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return work(this);
  }
  lockForMigration(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.reject(new Error('cannot close inside a transaction'));
  }
}

/** A {@link SqliteConnection} (ready now or once its engine has loaded) as a serialised {@link SqlDriver}. */
export class SerialSqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly connection: Promise<SqliteConnection>;
  private tail: Promise<unknown> = Promise.resolve();

  /** Every statement waits for `connection`; when it rejects, so does every statement. */
  constructor(connection: SqliteConnection | Promise<SqliteConnection>) {
    this.connection = Promise.resolve(connection);
    this.connection.catch(() => undefined); // surfaced by each statement
  }

  private serial<T>(work: (connection: SqliteConnection) => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.connection).then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  exec(sql: string): Promise<void> {
    return this.serial((c) => c.exec(sql));
  }

  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.serial((c) => c.all(sql, params) as T[]);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.serial((c) => c.run(sql, params));
  }

  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return this.serial(async (c) => {
      c.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(new InTransaction(c));
        c.exec('COMMIT');
        return result;
      } catch (error) {
        c.rollback();
        throw error;
      }
    });
  }

  lockForMigration(): Promise<void> {
    return Promise.resolve(); // BEGIN IMMEDIATE already holds the write lock
  }

  /** Closes the connection once pending statements have run; resolves too when it never opened. */
  close(): Promise<void> {
    const result = this.tail.then(() =>
      this.connection.then(
        (c) => c.close(),
        () => undefined,
      ),
    );
    this.tail = result.catch(() => undefined);
    return result;
  }
}
