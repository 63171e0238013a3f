/**
 * SQLite through better-sqlite3: the embedded default, a single file in the
 * data directory (or `:memory:`). Statements are synchronous and fast; they
 * are serialised so that a transaction never interleaves with other work.
 *
 * The file holds clinicians' free-text comments, which can name patients:
 * it and its `-wal` and `-shm` companions are readable by the service's
 * user only (mode 0600), in a folder created 0700.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlValue } from './driver.js';

/** The file name of the database inside the data directory. */
export const SQLITE_FILE = 'cds-ops.sqlite';

/** Mode of the database files: owner read and write only. */
export const DATABASE_FILE_MODE = 0o600;

/** The database file and the companions SQLite creates next to it. */
export function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
}

/** Creates the file (when missing) with {@link DATABASE_FILE_MODE} and tightens every existing database file. */
function restrictFiles(path: string): void {
  closeSync(openSync(path, 'a', DATABASE_FILE_MODE));
  for (const file of databaseFiles(path)) if (existsSync(file)) chmodSync(file, DATABASE_FILE_MODE);
}

class Direct implements Omit<SqlDriver, 'transaction' | 'close' | 'lockForMigration'> {
  readonly dialect = 'sqlite' as const;
  constructor(protected readonly db: Database.Database) {}

  exec(sql: string): Promise<void> {
    this.db.exec(sql);
    return Promise.resolve();
  }

  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return Promise.resolve(this.db.prepare(sql).all(...params) as T[]);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return Promise.resolve(this.db.prepare(sql).run(...params).changes);
  }
}

class InTransaction extends Direct implements SqlDriver {
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

/** A SQLite database as a {@link SqlDriver}. */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly direct: Direct;
  private tail: Promise<unknown> = Promise.resolve();

  /** Opens (creating when needed) the database file at `path`, or an in-memory one for `:memory:`. */
  constructor(path: string) {
    const onDisk = path !== ':memory:';
    if (onDisk) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      restrictFiles(path);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // SQLite gives -wal and -shm the database file's mode; make sure of it for files left by older versions.
    if (onDisk) restrictFiles(path);
    this.direct = new Direct(this.db);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  exec(sql: string): Promise<void> {
    return this.serial(() => this.direct.exec(sql));
  }

  all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.serial(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.serial(() => this.direct.run(sql, params));
  }

  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(new InTransaction(this.db));
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  lockForMigration(): Promise<void> {
    return Promise.resolve(); // BEGIN IMMEDIATE already holds the write lock
  }

  close(): Promise<void> {
    return this.serial(() => {
      if (this.db.open) this.db.close();
      return Promise.resolve();
    });
  }
}
