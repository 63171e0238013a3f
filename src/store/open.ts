/**
 * Choosing the store: PostgreSQL when a database URL is configured, else the
 * embedded SQLite file in the data directory. The file store's native
 * SQLite build (better-sqlite3) is imported only when that store is opened;
 * the in-memory store of apps built without one runs on WebAssembly (sql.js)
 * and needs no native build.
 */
import { join, resolve } from 'node:path';
import { PostgresDriver } from './postgres.js';
import { SqlJsDriver } from './sqljs.js';
import { SqlStore } from './sql-store.js';
import type { OpsStore } from './types.js';

/** The file name of the database inside the data directory. */
export const SQLITE_FILE = 'cds-ops.sqlite';

/** Where the store lives. */
export interface StoreSettings {
  /** `postgres://…`; when set, PostgreSQL is used and `dataDir` is ignored. */
  readonly databaseUrl?: string;
  /** Folder of the embedded SQLite file (created when missing). */
  readonly dataDir: string;
  /** PostgreSQL pool size. */
  readonly databasePoolMax: number;
}

/** The SQLite file for a data directory. */
export function sqliteFile(dataDir: string): string {
  return join(resolve(dataDir), SQLITE_FILE);
}

/** Opens the configured store and brings its schema up to date; rejects when it cannot. */
export async function openStore(
  settings: StoreSettings,
  onIdleError?: (error: Error) => void,
): Promise<OpsStore> {
  try {
    return await open(settings, onIdleError);
  } catch (error) {
    throw new Error(`cannot open the store (${describeStore(settings)}): ${(error as Error).message}`);
  }
}

async function open(settings: StoreSettings, onIdleError?: (error: Error) => void): Promise<OpsStore> {
  if (settings.databaseUrl) {
    return SqlStore.open(
      new PostgresDriver({
        connectionString: settings.databaseUrl,
        maxConnections: settings.databasePoolMax,
        ...(onIdleError ? { onIdleError } : {}),
      }),
    );
  }
  const { SqliteDriver } = await import('./sqlite.js');
  return SqlStore.open(new SqliteDriver(sqliteFile(settings.dataDir)));
}

/**
 * A throwaway in-memory SQLite store (sql.js, no native build): the store of
 * the HTTP tests and of apps built without one. Usable at once; its first
 * operations wait for the engine and the migrations.
 */
export function memoryStore(): OpsStore {
  return new SqlStore(new SqlJsDriver());
}

/** A short description of where the store is, without credentials. */
export function describeStore(settings: StoreSettings): string {
  if (!settings.databaseUrl) return `sqlite ${sqliteFile(settings.dataDir)}`;
  try {
    const u = new URL(settings.databaseUrl);
    return `postgres ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}
