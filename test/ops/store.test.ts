/**
 * The store contract, run against both databases through the same code:
 * migrations, card log, idempotent feedback, the per-rule summary, and
 * counts that survive closing and reopening the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDriver } from '../../src/store/postgres.js';
import { SqliteDriver } from '../../src/store/sqlite.js';
import type { SqlDriver } from '../../src/store/driver.js';
import type { CardLogEntry, ClientKey, FeedbackRecord, OpsStore } from '../../src/store/types.js';
import { describePostgres, freshSchema } from './pg.js';

/** The client every card here is issued to and every feedback entry comes from. */
const EHR: ClientKey = { iss: 'https://ehr.hospital-a.example', tenant: 'main' };

const T0 = new Date('2026-11-01T09:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

function card(uuid: string, ruleId: string, issuedAt = T0): CardLogEntry {
  return {
    cardUuid: uuid,
    serviceId: 'rls-order-select',
    ruleId,
    indicator: 'critical',
    hookInstance: 'hi-1',
    client: EHR,
    issuedAt,
  };
}

function accepted(cardUuid: string, minutes: number): FeedbackRecord {
  return {
    serviceId: 'rls-order-select',
    cardUuid,
    client: EHR,
    outcome: 'accepted',
    acceptedSuggestions: ['s-1'],
    outcomeAt: at(minutes),
    receivedAt: at(minutes),
  };
}

function overridden(cardUuid: string, minutes: number, code?: string): FeedbackRecord {
  return {
    serviceId: 'rls-order-select',
    cardUuid,
    client: EHR,
    outcome: 'overridden',
    acceptedSuggestions: [],
    ...(code ? { overrideReasonCode: code, overrideReasonSystem: 'https://cds.test/override-reasons' } : {}),
    overrideComment: 'patient declined',
    outcomeAt: at(minutes),
    receivedAt: at(minutes),
  };
}

interface Backend {
  /** Opens the same database again (a restart). */
  open(): Promise<OpsStore>;
  driver(): SqlDriver;
  cleanup(): Promise<void>;
}

function contract(makeBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let store: OpsStore;

  beforeEach(async () => {
    backend = await makeBackend();
    store = await backend.open();
  });
  afterEach(async () => {
    await store.close();
    await backend.cleanup();
  });

  test('migrations run once: a second start applies nothing', async () => {
    const driver = backend.driver();
    try {
      expect(await migrate(driver)).toEqual([]);
      const rows = await driver.all<{ version: number | string }>('SELECT version FROM schema_migrations');
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await driver.close();
    }
  });

  test('a database with a newer schema than the service knows stops start-up', async () => {
    const driver = backend.driver();
    try {
      await driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        999,
        'from the future',
        T0.toISOString(),
      ]);
      await expect(migrate(driver)).rejects.toThrow(/schema version 999 is newer/);
    } finally {
      await driver.close();
    }
  });

  test('feedback posted twice for the same card is stored once and counted once', async () => {
    await store.recordCards([card('c1', 'avoid-cabergoline')]);
    const first = await store.recordFeedback([overridden('c1', 5, 'non-rls-indication')]);
    const again = await store.recordFeedback([
      overridden('c1', 5, 'non-rls-indication'),
      overridden('c1', 5, 'non-rls-indication'),
    ]);
    expect(first).toEqual([{ cardUuid: 'c1', outcome: 'overridden', ruleId: 'avoid-cabergoline' }]);
    expect(again).toEqual([]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules).toEqual([
      {
        ruleId: 'avoid-cabergoline',
        issued: 1,
        accepted: 0,
        overridden: 1,
        noResponse: 0,
        acceptanceRate: 0,
        overrideReasons: [{ code: 'non-rls-indication', count: 1 }],
      },
    ]);
  });

  test('the same moment written with another offset is the same feedback entry', async () => {
    await store.recordCards([card('c1', 'avoid-cabergoline')]);
    const entry = accepted('c1', 0);
    await store.recordFeedback([entry]);
    const sameMoment = { ...entry, outcomeAt: new Date('2026-11-01T10:00:00+01:00') };
    expect(await store.recordFeedback([sameMoment])).toEqual([]);
  });

  test('a card logged twice is one card', async () => {
    await store.recordCards([card('c1', 'iron-not-optimized')]);
    await store.recordCards([card('c1', 'iron-not-optimized'), card('c2', 'iron-not-optimized')]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules.map((r) => [r.ruleId, r.issued])).toEqual([['iron-not-optimized', 2]]);
  });

  test('the summary counts per rule: issued, accepted, overridden, no response, rate and reasons', async () => {
    await store.recordCards([
      card('a1', 'avoid-cabergoline'),
      card('a2', 'avoid-cabergoline'),
      card('a3', 'avoid-cabergoline'),
      card('a4', 'avoid-cabergoline'),
      card('i1', 'iron-not-optimized'),
      card('i2', 'iron-not-optimized'),
    ]);
    await store.recordFeedback([
      overridden('a1', 1, 'non-rls-indication'),
      overridden('a2', 1, 'non-rls-indication'),
      overridden('a3', 1),
      accepted('i1', 2),
    ]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules).toEqual([
      {
        ruleId: 'avoid-cabergoline',
        issued: 4,
        accepted: 0,
        overridden: 3,
        noResponse: 1,
        acceptanceRate: 0,
        overrideReasons: [
          { code: 'non-rls-indication', count: 2 },
          { code: null, count: 1 },
        ],
      },
      {
        ruleId: 'iron-not-optimized',
        issued: 2,
        accepted: 1,
        overridden: 0,
        noResponse: 1,
        acceptanceRate: 0.5,
        overrideReasons: [],
      },
    ]);
    expect(summary.unmatchedFeedback).toBe(0);
  });

  test("a card's outcome is its latest feedback: overridden then accepted counts as accepted only", async () => {
    await store.recordCards([card('c1', 'avoid-cabergoline')]);
    await store.recordFeedback([overridden('c1', 1, 'other'), accepted('c1', 2)]);
    const [rule] = (await store.feedbackSummary(null)).rules;
    expect(rule).toMatchObject({ issued: 1, accepted: 1, overridden: 0, noResponse: 0, overrideReasons: [] });
  });

  test('since limits the summary to cards issued at or after it', async () => {
    await store.recordCards([
      card('old', 'iron-not-optimized', at(-60 * 24)),
      card('new', 'iron-not-optimized', T0),
    ]);
    await store.recordFeedback([accepted('old', 1), accepted('new', 1)]);
    const summary = await store.feedbackSummary(T0);
    expect(summary.since).toEqual(T0);
    expect(summary.rules).toEqual([
      expect.objectContaining({ ruleId: 'iron-not-optimized', issued: 1, accepted: 1 }),
    ]);
    expect((await store.feedbackSummary(at(1))).rules).toEqual([]);
  });

  test('feedback for a card the log does not know is kept and reported as unmatched', async () => {
    const recorded = await store.recordFeedback([accepted('never-issued', 1)]);
    expect(recorded).toEqual([{ cardUuid: 'never-issued', outcome: 'accepted', ruleId: undefined }]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules).toEqual([]);
    expect(summary.unmatchedFeedback).toBe(1);
  });

  test('a restart keeps every count', async () => {
    await store.recordCards([card('c1', 'avoid-cabergoline'), card('c2', 'avoid-cabergoline')]);
    await store.recordFeedback([overridden('c1', 1, 'non-rls-indication'), accepted('c2', 1)]);
    const before = await store.feedbackSummary(null);
    await store.close();
    store = await backend.open();
    expect(await store.feedbackSummary(null)).toEqual(before);
    expect(await store.recordFeedback([accepted('c2', 1)])).toEqual([]); // still a duplicate after the restart
    expect((await store.feedbackSummary(null)).rules[0]).toMatchObject({
      issued: 2,
      accepted: 1,
      overridden: 1,
    });
  });

  test('feedback from a client other than the one the card was issued to is refused, and the batch is not stored', async () => {
    await store.recordCards([card('c1', 'avoid-cabergoline'), card('c2', 'avoid-cabergoline')]);
    const stranger: ClientKey = { iss: EHR.iss, tenant: 'other-ward' };
    await expect(
      store.recordFeedback([accepted('c2', 1), { ...overridden('c1', 1), client: stranger }]),
    ).rejects.toMatchObject({ name: 'ForeignCardError', index: 1 });
    const summary = await store.feedbackSummary(null);
    expect(summary.rules[0]).toMatchObject({ issued: 2, accepted: 0, overridden: 0 });
  });

  test('purge deletes cards issued before the cutoff with all their feedback, feedback received before it, and cards held back before it', async () => {
    await store.recordCards([card('old', 'iron-not-optimized', at(-2)), card('new', 'iron-not-optimized')]);
    const held = (uuid: string, suppressedAt: Date) => ({
      cardUuid: uuid,
      serviceId: 'rls-patient-view',
      ruleId: 'iron-not-optimized',
      indicator: 'warning',
      client: EHR,
      byCardUuid: 'old',
      outcome: 'overridden' as const,
      suppressedAt,
    });
    await store.recordSuppressed([held('held-old', at(-2)), held('held-new', at(0))]);
    await store.recordFeedback([
      { ...accepted('old', 5), receivedAt: at(5) },
      { ...accepted('unknown', -3), receivedAt: at(-3) },
      { ...accepted('new', 5), receivedAt: at(5) },
    ]);
    expect(await store.purgeOlderThan(at(-1))).toEqual({ cards: 1, feedback: 2, suppressed: 1 });
    const left = await store.dailyOutcomes(at(-10), at(10));
    expect(left.filter((o) => o.kind === 'suppressed')).toEqual([
      expect.objectContaining({ ruleId: 'iron-not-optimized', count: 1 }),
    ]);
    const summary = await store.feedbackSummary(null);
    expect(summary.rules).toEqual([expect.objectContaining({ issued: 1, accepted: 1 })]);
    expect(summary.unmatchedFeedback).toBe(0);
  });

  test('ping answers while open and fails once closed', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
    store = await backend.open();
  });
}

describe('SQLite store (embedded default)', () => {
  contract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-store-'));
    return Promise.resolve({
      open: () => openStore({ dataDir: dir, databasePoolMax: 1 }),
      driver: () => new SqliteDriver(join(dir, 'cds-ops.sqlite')),
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  });

  test('the database file is created on first start inside the configured data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-store-'));
    try {
      const store = await openStore({ dataDir: join(dir, 'nested', 'data'), databasePoolMax: 1 });
      await store.close();
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(dir, 'nested', 'data', 'cds-ops.sqlite'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePostgres('PostgreSQL store (scale-out)', () => {
  contract(async () => {
    const schema = await freshSchema();
    return {
      open: () => openStore({ dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2 }),
      driver: () => new PostgresDriver({ connectionString: schema.url, maxConnections: 1 }),
      cleanup: () => schema.drop(),
    };
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
