/**
 * SQLite compiled to WebAssembly (sql.js), in memory: the store of an app
 * built without one (the HTTP tests, and anyone embedding the app without
 * configuring a store). It needs no native build, so code that only builds
 * the app never loads better-sqlite3. The SQL is the same SQLite dialect as
 * the file store's, run through the same serialised driver
 * (serial-sqlite.ts); nothing is written to disk and everything is gone
 * when the store is closed or the process ends.
 */
import type { Database, SqlJsStatic } from 'sql.js';
import type { SqlValue } from './driver.js';
import { type SqliteConnection, SerialSqliteDriver } from './serial-sqlite.js';

/** The WebAssembly engine, loaded and compiled once per process on first use. */
let engine: Promise<SqlJsStatic> | undefined;

function loadEngine(): Promise<SqlJsStatic> {
  engine ??= import('sql.js')
    .then((module) => module.default())
    .catch((error: unknown) => {
      engine = undefined; // a later store may try again
      throw error;
    });
  return engine;
}

/** A sql.js database as a {@link SqliteConnection}. */
function wasmConnection(db: Database): SqliteConnection {
  let open = true;
  const usable = (): Database => {
    if (!open) throw new Error('the in-memory database is closed');
    return db;
  };
  return {
    exec: (sql) => {
      usable().exec(sql);
    },
    all: (sql, params) => {
      const statement = usable().prepare(sql);
      try {
        statement.bind([...params]);
        const rows: object[] = [];
        while (statement.step()) rows.push(statement.getAsObject());
        return rows;
      } finally {
        statement.free();
      }
    },
    run: (sql, params: readonly SqlValue[]) =>
      usable()
        .run(sql, [...params])
        .getRowsModified(),
    rollback: () => {
      // sql.js does not say whether a transaction is open; SQLite refuses ROLLBACK when none is.
      try {
        usable().exec('ROLLBACK');
      } catch {
        /* no transaction open */
      }
    },
    close: () => {
      if (open) db.close();
      open = false;
    },
  };
}

/** A new, empty in-memory SQLite database as a store driver: usable at once, its statements wait for the engine. */
export class SqlJsDriver extends SerialSqliteDriver {
  constructor() {
    super(loadEngine().then((sql) => wasmConnection(new sql.Database())));
  }
}
