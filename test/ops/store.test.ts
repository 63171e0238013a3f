/**
 * The store and driver contracts (store-contract.ts), run against both
 * databases of a deployment through the same code: the embedded SQLite file
 * (native better-sqlite3) and PostgreSQL, including counts that survive
 * closing and reopening the store.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDriver } from '../../src/store/postgres.js';
import { SqliteDriver } from '../../src/store/sqlite.js';
import { describePostgres, freshSchema } from './pg.js';
import { driverContract, storeContract } from './store-contract.js';

describe('SQLite store (embedded default)', () => {
  storeContract(
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cds-store-'));
      return Promise.resolve({
        open: () => openStore({ dataDir: dir, databasePoolMax: 1 }),
        driver: () => new SqliteDriver(join(dir, 'cds-ops.sqlite')),
        cleanup: () => {
          rmSync(dir, { recursive: true, force: true });
          return Promise.resolve();
        },
      });
    },
    { durable: true },
  );

  describe('its driver', () => {
    driverContract(() => {
      const dir = mkdtempSync(join(tmpdir(), 'cds-driver-'));
      return Promise.resolve({
        driver: new SqliteDriver(join(dir, 'cds-ops.sqlite')),
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    });
  });

  test('the database file is created on first start inside the configured data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-store-'));
    try {
      const store = await openStore({ dataDir: join(dir, 'nested', 'data'), databasePoolMax: 1 });
      await store.close();
      expect(existsSync(join(dir, 'nested', 'data', 'cds-ops.sqlite'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePostgres('PostgreSQL store (scale-out)', () => {
  storeContract(
    async () => {
      const schema = await freshSchema();
      return {
        open: () => openStore({ dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2 }),
        driver: () => new PostgresDriver({ connectionString: schema.url, maxConnections: 1 }),
        cleanup: () => schema.drop(),
      };
    },
    { durable: true },
  );

  describe('its driver', () => {
    driverContract(async () => {
      const schema = await freshSchema();
      return {
        driver: new PostgresDriver({ connectionString: schema.url, maxConnections: 2 }),
        cleanup: () => schema.drop(),
      };
    });
  });

  test('replicas starting together migrate once', async () => {
    const schema = await freshSchema();
    try {
      const drivers = [1, 2, 3].map(
        () => new PostgresDriver({ connectionString: schema.url, maxConnections: 1 }),
      );
      const applied = await Promise.all(drivers.map((d) => migrate(d)));
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
      await Promise.all(drivers.map((d) => d.close()));
    } finally {
      await schema.drop();
    }
  });
});
