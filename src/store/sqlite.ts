/**
 * SQLite through better-sqlite3 (a native build): the embedded default, a
 * single file in the data directory. Statements are synchronous and fast;
 * they are serialised so that a transaction never interleaves with other
 * work (serial-sqlite.ts). Only the file store loads this module (open.ts
 * imports it on demand): the in-memory store is sqljs.ts.
 *
 * The file holds clinicians' free-text comments, which can name patients:
 * it and its `-wal` and `-shm` companions are readable by the service's
 * user only (mode 0600), in a folder created 0700.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type SqliteConnection, SerialSqliteDriver } from './serial-sqlite.js';

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

/** A better-sqlite3 database as a {@link SqliteConnection}. */
function nativeConnection(db: Database.Database): SqliteConnection {
  return {
    exec: (sql) => {
      db.exec(sql);
    },
    all: (sql, params) => db.prepare(sql).all(...params) as object[],
    run: (sql, params) => db.prepare(sql).run(...params).changes,
    rollback: () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}

/** Opens (creating when needed) the database file at `path`, or an in-memory one for `:memory:`. */
function openDatabase(path: string): Database.Database {
  const onDisk = path !== ':memory:';
  if (onDisk) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    restrictFiles(path);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // SQLite gives -wal and -shm the database file's mode; make sure of it for files left by older versions.
  if (onDisk) restrictFiles(path);
  return db;
}

/** A SQLite database file as a {@link SqlDriver}. */
export class SqliteDriver extends SerialSqliteDriver {
  /** Opens (creating when needed) the database file at `path`, or an in-memory one for `:memory:`; throws when it cannot. */
  constructor(path: string) {
    super(nativeConnection(openDatabase(path)));
  }
}
