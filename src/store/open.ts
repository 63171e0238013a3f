/**
 * Choosing the store: PostgreSQL when a database URL is configured, else the
 * embedded SQLite file in the data directory.
 */
import { join, resolve } from 'node:path';
import { PostgresDriver } from './postgres.js';
import { SQLITE_FILE, SqliteDriver } from './sqlite.js';
import { SqlStore } from './sql-store.js';
import type { OpsStore } from './types.js';

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

function open(settings: StoreSettings, onIdleError?: (error: Error) => void): Promise<OpsStore> {
  if (settings.databaseUrl) {
    return SqlStore.open(
      new PostgresDriver({
        connectionString: settings.databaseUrl,
        maxConnections: settings.databasePoolMax,
        ...(onIdleError ? { onIdleError } : {}),
      }),
    );
  }
  return SqlStore.open(new SqliteDriver(sqliteFile(settings.dataDir)));
}

/** A throwaway in-memory SQLite store (tests, and apps built without one). */
export function memoryStore(): OpsStore {
  return new SqlStore(new SqliteDriver(':memory:'));
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
