/**
 * PostgreSQL through a `pg` pool: the scale-out store, shared by every
 * replica. Connection and statement time-outs keep a database outage from
 * hanging the write queue, readiness or shutdown.
 */
import pg from 'pg';
import type { SqlDriver, SqlValue } from './driver.js';

/** Pool settings. */
export interface PostgresOptions {
  readonly connectionString: string;
  readonly maxConnections: number;
  /** Called for errors of idle connections (which would otherwise crash the process). */
  readonly onIdleError?: (error: Error) => void;
}

/** Rewrites `?` placeholders as `$1, $2, …`. The store's SQL never has `?` inside a literal. */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Any 64-bit number: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 5_170_451_001;

class OnClient implements SqlDriver {
  readonly dialect = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient) {}

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
  async all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.client.query(toPostgresPlaceholders(sql), [...params]);
    return result.rows as T[];
  }
  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.client.query(toPostgresPlaceholders(sql), [...params]);
    return result.rowCount ?? 0;
  }
  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return work(this);
  }
  async lockForMigration(tx: SqlDriver): Promise<void> {
    await tx.all(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
  }
  close(): Promise<void> {
    return Promise.reject(new Error('cannot close inside a transaction'));
  }
}

/** A PostgreSQL database as a {@link SqlDriver}. */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  /** Creates the pool; connections are opened on first use. */
  constructor(options: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      application_name: 'rls-cds-hooks',
    });
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async all<T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.pool.query(toPostgresPlaceholders(sql), [...params]);
    return result.rows as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.pool.query(toPostgresPlaceholders(sql), [...params]);
    return result.rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new OnClient(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async lockForMigration(tx: SqlDriver): Promise<void> {
    await tx.all(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
