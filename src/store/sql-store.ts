/**
 * The data-access code, written once over {@link SqlDriver}: the same
 * statements run on SQLite and PostgreSQL.
 */
import type { SqlDriver, SqlValue } from './driver.js';
import { migrate } from './migrations.js';
import {
  type CardLogEntry,
  type ClientKey,
  type DailyOutcome,
  type FindingMemory,
  type SuppressedCardEntry,
  type FeedbackRecord,
  type FeedbackSummary,
  ForeignCardError,
  type OpsStore,
  type PurgeResult,
  type RecordedFeedback,
  type RuleSummary,
} from './types.js';

/** Rows per multi-row INSERT (well under both databases' parameter limits). */
const INSERT_CHUNK = 200;

/** The columns of a card-log row, in the order recordCards gives their values. */
const CARD_LOG_COLUMNS = [
  'card_uuid',
  'service_id',
  'rule_id',
  'indicator',
  'hook_instance',
  'client_iss',
  'client_tenant',
  'issued_at',
  'patient_hash',
  'facts_hash',
  'session_hash',
] as const;

/** The columns of a suppressed-card row, in the order recordSuppressed gives their values. */
const SUPPRESSED_CARD_COLUMNS = [
  'card_uuid',
  'service_id',
  'rule_id',
  'indicator',
  'client_iss',
  'client_tenant',
  'by_card_uuid',
  'outcome',
  'suppressed_at',
] as const;
/** Longest override comment kept (characters); the feedback route refuses longer ones before this. */
export const MAX_COMMENT_LENGTH = 2000;

/**
 * The latest feedback entry of each card from the client the card was
 * issued to: a card's outcome is what its own clinician did last. Feedback
 * from any other client never counts.
 */
const LATEST_FEEDBACK = `
  SELECT f.card_uuid, f.outcome, f.override_reason_code,
         ROW_NUMBER() OVER (PARTITION BY f.card_uuid
                            ORDER BY f.outcome_at DESC, f.received_at DESC, f.outcome DESC) AS rn
  FROM feedback f
  JOIN card_log fc ON fc.card_uuid = f.card_uuid
                  AND fc.client_iss = f.client_iss AND fc.client_tenant = f.client_tenant`;

type Count = number | string; // PostgreSQL returns COUNT/SUM as text

/** {@link OpsStore} over any {@link SqlDriver}. */
export class SqlStore implements OpsStore {
  readonly kind: 'sqlite' | 'postgres';
  private readonly ready: Promise<unknown>;

  /** Starts the migrations; every operation waits for them. Prefer {@link SqlStore.open}. */
  constructor(private readonly driver: SqlDriver) {
    this.kind = driver.dialect;
    this.ready = migrate(driver);
    this.ready.catch(() => undefined); // surfaced by open() and by every operation
  }

  /** Opens a store and runs the pending migrations; rejects when they fail. */
  static async open(driver: SqlDriver): Promise<SqlStore> {
    const store = new SqlStore(driver);
    try {
      await store.ready;
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async recordCards(entries: readonly CardLogEntry[]): Promise<void> {
    await this.ready;
    await this.insertNew('card_log', CARD_LOG_COLUMNS, entries, (e) => [
      e.cardUuid,
      e.serviceId,
      e.ruleId,
      e.indicator,
      e.hookInstance,
      e.client.iss,
      e.client.tenant,
      e.issuedAt.toISOString(),
      e.patientHash ?? null,
      e.factsHash ?? null,
      e.sessionHash ?? null,
    ]);
  }

  /**
   * Inserts rows into `table` in chunks of {@link INSERT_CHUNK}, one tuple of `columns` per entry; a row
   * whose card_uuid is already stored is left as it is (a retried write is never counted twice).
   */
  private async insertNew<T>(
    table: string,
    columns: readonly string[],
    entries: readonly T[],
    row: (entry: T) => SqlValue[],
  ): Promise<void> {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
      const chunk = entries.slice(i, i + INSERT_CHUNK);
      await this.driver.run(
        `INSERT INTO ${table} (${columns.join(', ')})
         VALUES ${chunk.map(() => tuple).join(', ')}
         ON CONFLICT (card_uuid) DO NOTHING`,
        chunk.flatMap(row),
      );
    }
  }

  async recordFeedback(entries: readonly FeedbackRecord[]): Promise<RecordedFeedback[]> {
    await this.ready;
    if (entries.length === 0) return [];
    const fresh = await this.driver.transaction(async (tx) => {
      // Feedback for a card issued to another client is refused as a whole batch. A card not
      // (yet) in the log is accepted: its entry is stored with its sender and counts only if the
      // card turns out to be that sender's.
      const issuedTo = new Map<string, { iss: string; tenant: string }>();
      const uuids = [...new Set(entries.map((e) => e.cardUuid))];
      for (let i = 0; i < uuids.length; i += INSERT_CHUNK) {
        const chunk = uuids.slice(i, i + INSERT_CHUNK);
        const rows = await tx.all<{ card_uuid: string; client_iss: string; client_tenant: string }>(
          `SELECT card_uuid, client_iss, client_tenant FROM card_log
           WHERE card_uuid IN (${chunk.map(() => '?').join(', ')})`,
          chunk,
        );
        for (const r of rows) issuedTo.set(r.card_uuid, { iss: r.client_iss, tenant: r.client_tenant });
      }
      entries.forEach((e, index) => {
        const owner = issuedTo.get(e.cardUuid);
        if (owner && (owner.iss !== e.client.iss || owner.tenant !== e.client.tenant)) {
          throw new ForeignCardError(index);
        }
      });
      const inserted: FeedbackRecord[] = [];
      for (const e of entries) {
        const changed = await tx.run(
          `INSERT INTO feedback (card_uuid, outcome, outcome_at, service_id, accepted_suggestions,
                                 override_reason_code, override_reason_system, override_comment,
                                 client_iss, client_tenant, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (card_uuid, outcome, outcome_at) DO NOTHING`,
          [
            e.cardUuid,
            e.outcome,
            e.outcomeAt.toISOString(),
            e.serviceId,
            JSON.stringify(e.acceptedSuggestions),
            e.overrideReasonCode ?? null,
            e.overrideReasonSystem ?? null,
            e.overrideComment?.slice(0, MAX_COMMENT_LENGTH) ?? null,
            e.client.iss,
            e.client.tenant,
            e.receivedAt.toISOString(),
          ],
        );
        if (changed > 0) inserted.push(e);
      }
      return inserted;
    });
    if (fresh.length === 0) return [];
    const uuids = [...new Set(fresh.map((e) => e.cardUuid))];
    const rules = new Map<string, { ruleId: string; iss: string; tenant: string }>();
    for (let i = 0; i < uuids.length; i += INSERT_CHUNK) {
      const chunk = uuids.slice(i, i + INSERT_CHUNK);
      const rows = await this.driver.all<{
        card_uuid: string;
        rule_id: string;
        client_iss: string;
        client_tenant: string;
      }>(
        `SELECT card_uuid, rule_id, client_iss, client_tenant FROM card_log
         WHERE card_uuid IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows)
        rules.set(r.card_uuid, { ruleId: r.rule_id, iss: r.client_iss, tenant: r.client_tenant });
    }
    return fresh.map((e) => {
      const card = rules.get(e.cardUuid);
      const own = card && card.iss === e.client.iss && card.tenant === e.client.tenant;
      return { cardUuid: e.cardUuid, outcome: e.outcome, ruleId: own ? card.ruleId : undefined };
    });
  }

  async purgeOlderThan(cutoff: Date): Promise<PurgeResult> {
    await this.ready;
    const before = cutoff.toISOString();
    return this.driver.transaction(async (tx) => {
      const feedback = await tx.run(
        `DELETE FROM feedback
         WHERE received_at < ?
            OR card_uuid IN (SELECT card_uuid FROM card_log WHERE issued_at < ?)`,
        [before, before],
      );
      const cards = await tx.run('DELETE FROM card_log WHERE issued_at < ?', [before]);
      const suppressed = await tx.run('DELETE FROM suppressed_card WHERE suppressed_at < ?', [before]);
      return { cards, feedback, suppressed };
    });
  }

  async recordSuppressed(entries: readonly SuppressedCardEntry[]): Promise<void> {
    await this.ready;
    await this.insertNew('suppressed_card', SUPPRESSED_CARD_COLUMNS, entries, (e) => [
      e.cardUuid,
      e.serviceId,
      e.ruleId,
      e.indicator,
      e.client.iss,
      e.client.tenant,
      e.byCardUuid,
      e.outcome,
      e.suppressedAt.toISOString(),
    ]);
  }

  async findingMemory(
    client: ClientKey,
    patientHash: string,
    ruleIds: readonly string[],
  ): Promise<FindingMemory[]> {
    await this.ready;
    if (ruleIds.length === 0) return [];
    const rows = await this.driver.all<{
      card_uuid: string;
      rule_id: string;
      indicator: string;
      facts_hash: string;
      session_hash: string;
      outcome: 'accepted' | 'overridden';
      override_reason_code: string | null;
      outcome_at: string;
      received_at: string;
    }>(
      `SELECT c.card_uuid, c.rule_id, c.indicator, c.facts_hash, c.session_hash,
              f.outcome, f.override_reason_code, f.outcome_at, f.received_at
       FROM card_log c
       JOIN feedback f ON f.card_uuid = c.card_uuid
                      AND f.client_iss = c.client_iss AND f.client_tenant = c.client_tenant
       WHERE c.patient_hash = ? AND c.client_iss = ? AND c.client_tenant = ?
         AND c.facts_hash IS NOT NULL AND c.session_hash IS NOT NULL
         AND c.rule_id IN (${ruleIds.map(() => '?').join(', ')})`,
      [patientHash, client.iss, client.tenant, ...ruleIds],
    );
    return rows.map((r) => ({
      cardUuid: r.card_uuid,
      ruleId: r.rule_id,
      indicator: r.indicator,
      factsHash: r.facts_hash,
      sessionHash: r.session_hash,
      outcome: r.outcome,
      ...(r.override_reason_code !== null ? { reasonCode: r.override_reason_code } : {}),
      outcomeAt: new Date(r.outcome_at),
      receivedAt: new Date(r.received_at),
    }));
  }

  async dailyOutcomes(from: Date, to: Date): Promise<DailyOutcome[]> {
    await this.ready;
    const range = [from.toISOString(), to.toISOString()];
    const issued = await this.driver.all<{ rule_id: string; day: string; n: Count }>(
      `SELECT rule_id, SUBSTR(issued_at, 1, 10) AS day, COUNT(*) AS n
       FROM card_log WHERE issued_at >= ? AND issued_at < ?
       GROUP BY rule_id, SUBSTR(issued_at, 1, 10)`,
      range,
    );
    const answered = await this.driver.all<{
      rule_id: string;
      day: string;
      outcome: 'accepted' | 'overridden';
      code: string | null;
      n: Count;
    }>(
      `SELECT c.rule_id AS rule_id, SUBSTR(c.issued_at, 1, 10) AS day, l.outcome AS outcome,
              CASE WHEN l.outcome = 'overridden' THEN l.override_reason_code ELSE NULL END AS code,
              COUNT(*) AS n
       FROM card_log c
       JOIN (${LATEST_FEEDBACK}) l ON l.card_uuid = c.card_uuid AND l.rn = 1
       WHERE c.issued_at >= ? AND c.issued_at < ?
       GROUP BY c.rule_id, SUBSTR(c.issued_at, 1, 10), l.outcome,
                CASE WHEN l.outcome = 'overridden' THEN l.override_reason_code ELSE NULL END`,
      range,
    );
    const suppressed = await this.driver.all<{ rule_id: string; day: string; n: Count }>(
      `SELECT rule_id, SUBSTR(suppressed_at, 1, 10) AS day, COUNT(*) AS n
       FROM suppressed_card WHERE suppressed_at >= ? AND suppressed_at < ?
       GROUP BY rule_id, SUBSTR(suppressed_at, 1, 10)`,
      range,
    );
    return [
      ...issued.map((r) => ({
        ruleId: r.rule_id,
        day: r.day,
        kind: 'issued' as const,
        reasonCode: null,
        count: Number(r.n),
      })),
      ...answered.map((r) => ({
        ruleId: r.rule_id,
        day: r.day,
        kind: r.outcome,
        reasonCode: r.code,
        count: Number(r.n),
      })),
      ...suppressed.map((r) => ({
        ruleId: r.rule_id,
        day: r.day,
        kind: 'suppressed' as const,
        reasonCode: null,
        count: Number(r.n),
      })),
    ];
  }

  async feedbackSummary(since: Date | null): Promise<FeedbackSummary> {
    await this.ready;
    const from = since ? since.toISOString() : '';
    const totals = await this.driver.all<{
      rule_id: string;
      issued: Count;
      accepted: Count | null;
      overridden: Count | null;
    }>(
      `SELECT c.rule_id AS rule_id,
              COUNT(*) AS issued,
              SUM(CASE WHEN l.outcome = 'accepted' THEN 1 ELSE 0 END) AS accepted,
              SUM(CASE WHEN l.outcome = 'overridden' THEN 1 ELSE 0 END) AS overridden
       FROM card_log c
       LEFT JOIN (${LATEST_FEEDBACK}) l ON l.card_uuid = c.card_uuid AND l.rn = 1
       WHERE c.issued_at >= ?
       GROUP BY c.rule_id
       ORDER BY c.rule_id`,
      [from],
    );
    const reasons = await this.driver.all<{ rule_id: string; code: string | null; n: Count }>(
      `SELECT c.rule_id AS rule_id, l.override_reason_code AS code, COUNT(*) AS n
       FROM card_log c
       JOIN (${LATEST_FEEDBACK}) l ON l.card_uuid = c.card_uuid AND l.rn = 1
       WHERE c.issued_at >= ? AND l.outcome = 'overridden'
       GROUP BY c.rule_id, l.override_reason_code`,
      [from],
    );
    const unmatched = await this.driver.all<{ n: Count }>(
      `SELECT COUNT(*) AS n FROM feedback f
       WHERE f.outcome_at >= ?
         AND NOT EXISTS (SELECT 1 FROM card_log c
                         WHERE c.card_uuid = f.card_uuid
                           AND c.client_iss = f.client_iss AND c.client_tenant = f.client_tenant)`,
      [from],
    );
    const rules: RuleSummary[] = totals.map((t) => {
      const issued = Number(t.issued);
      const accepted = Number(t.accepted ?? 0);
      const overridden = Number(t.overridden ?? 0);
      const overrideReasons = reasons
        .filter((r) => r.rule_id === t.rule_id)
        .map((r) => ({ code: r.code, count: Number(r.n) }))
        .sort((a, b) => b.count - a.count || String(a.code).localeCompare(String(b.code)));
      return {
        ruleId: t.rule_id,
        issued,
        accepted,
        overridden,
        noResponse: issued - accepted - overridden,
        acceptanceRate: issued > 0 ? Math.round((accepted / issued) * 1000) / 1000 : null,
        overrideReasons,
      };
    });
    return { since, rules, unmatchedFeedback: Number(unmatched[0]?.n ?? 0) };
  }

  async ping(): Promise<void> {
    await this.ready;
    await this.driver.all('SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1');
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
