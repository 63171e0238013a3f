/**
 * The schema, as numbered migrations that run at start-up, in order, each
 * once, in one transaction (and, on PostgreSQL, under an advisory lock so
 * replicas starting together do not race). The SQL is written once for both
 * databases: TEXT, INTEGER and `ON CONFLICT` only. Times are stored as
 * ISO 8601 UTC text with milliseconds (`Date.toISOString()`), which sorts
 * chronologically as text in both.
 *
 * Add a migration by appending to MIGRATIONS; never edit one that has shipped.
 */
import type { SqlDriver } from './driver.js';

/** One schema change. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'card log and feedback',
    sql: `
      CREATE TABLE card_log (
        card_uuid     TEXT PRIMARY KEY,
        service_id    TEXT NOT NULL,
        rule_id       TEXT NOT NULL,
        indicator     TEXT NOT NULL,
        hook_instance TEXT NOT NULL,
        issued_at     TEXT NOT NULL
      );
      CREATE INDEX card_log_issued_at ON card_log (issued_at);
      CREATE TABLE feedback (
        card_uuid              TEXT NOT NULL,
        outcome                TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
        outcome_at             TEXT NOT NULL,
        service_id             TEXT NOT NULL,
        accepted_suggestions   TEXT NOT NULL,
        override_reason_code   TEXT,
        override_reason_system TEXT,
        override_comment       TEXT,
        received_at            TEXT NOT NULL,
        PRIMARY KEY (card_uuid, outcome, outcome_at)
      );
      CREATE INDEX feedback_outcome_at ON feedback (outcome_at);
    `,
  },
  {
    // Cards and feedback remember their client (token iss and tenant): feedback counts only for a
    // card issued to the same client. Rows from before have '' (no client). Retention deletes by
    // feedback.received_at, hence its index.
    version: 2,
    name: 'client of cards and feedback; retention index',
    sql: `
      ALTER TABLE card_log ADD COLUMN client_iss TEXT NOT NULL DEFAULT '';
      ALTER TABLE card_log ADD COLUMN client_tenant TEXT NOT NULL DEFAULT '';
      ALTER TABLE feedback ADD COLUMN client_iss TEXT NOT NULL DEFAULT '';
      ALTER TABLE feedback ADD COLUMN client_tenant TEXT NOT NULL DEFAULT '';
      CREATE INDEX feedback_received_at ON feedback (received_at);
    `,
  },
  {
    // Suppression: cards remember keyed hashes of the patient, of the facts the rule used and of the
    // ordering session (never the values themselves); cards held back are logged for governance.
    version: 3,
    name: 'finding memory and suppressed cards',
    sql: `
      ALTER TABLE card_log ADD COLUMN patient_hash TEXT;
      ALTER TABLE card_log ADD COLUMN facts_hash TEXT;
      ALTER TABLE card_log ADD COLUMN session_hash TEXT;
      CREATE INDEX card_log_patient ON card_log (patient_hash, rule_id);
      CREATE TABLE suppressed_card (
        card_uuid     TEXT PRIMARY KEY,
        service_id    TEXT NOT NULL,
        rule_id       TEXT NOT NULL,
        indicator     TEXT NOT NULL,
        client_iss    TEXT NOT NULL,
        client_tenant TEXT NOT NULL,
        by_card_uuid  TEXT NOT NULL,
        outcome       TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
        suppressed_at TEXT NOT NULL
      );
      CREATE INDEX suppressed_card_at ON suppressed_card (suppressed_at);
    `,
  },
];

/** Applies the migrations the database has not seen; returns the versions applied. */
export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return driver.transaction(async (tx) => {
    await driver.lockForMigration(tx);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const rows = await tx.all<{ version: number | string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(
        `database schema version ${newest} is newer than this service knows (${known}); upgrade the service`,
      );
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      done.push(m.version);
    }
    return done;
  });
}
