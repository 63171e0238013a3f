/**
 * The contracts every database behind the store keeps, run by the store
 * tests on each: the driver's (migrations, statements, transactions) and
 * the store's (card log, idempotent feedback, the per-rule summary, purge).
 * The native SQLite file and PostgreSQL run them in the system tier
 * (store.test.ts), the in-memory sql.js store in the HTTP tier
 * (memory-store.test.ts).
 */
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import type { SqlDriver } from '../../src/store/driver.js';
import type { CardLogEntry, ClientKey, FeedbackRecord, OpsStore } from '../../src/store/types.js';

/** The client every card here is issued to and every feedback entry comes from. */
export const EHR: ClientKey = { iss: 'https://ehr.hospital-a.example', tenant: 'main' };

export const T0 = new Date('2026-11-01T09:00:00Z');
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

export function card(uuid: string, ruleId: string, issuedAt = T0): CardLogEntry {
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

export function accepted(cardUuid: string, minutes: number): FeedbackRecord {
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

export function overridden(cardUuid: string, minutes: number, code?: string): FeedbackRecord {
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

/** One database the contract runs on, made fresh for each test. */
export interface Backend {
  /** Opens the store; on a durable backend, the same database again (a restart). */
  open(): Promise<OpsStore>;
  /** Another connection to the same database (durable backends). */
  driver?: () => SqlDriver;
  cleanup(): Promise<void>;
}

/**
 * The store contract. `durable` backends (a file, a server) also show that
 * the migrations and every count survive closing and reopening the store;
 * an in-memory store is gone once closed.
 */
export function storeContract(makeBackend: () => Promise<Backend>, { durable }: { durable: boolean }): void {
  let backend: Backend;
  let store: OpsStore;

  const secondConnection = (): SqlDriver => {
    if (!backend.driver) throw new Error('a durable backend offers a second connection');
    return backend.driver();
  };

  beforeEach(async () => {
    backend = await makeBackend();
    store = await backend.open();
  });
  afterEach(async () => {
    await store.close();
    await backend.cleanup();
  });

  if (durable) {
    test('migrations run once: a second start applies nothing', async () => {
      const driver = secondConnection();
      try {
        expect(await migrate(driver)).toEqual([]);
        const rows = await driver.all<{ version: number | string }>('SELECT version FROM schema_migrations');
        expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await driver.close();
      }
    });
  }

  if (durable) {
    test('a database with a newer schema than the service knows stops start-up', async () => {
      const driver = secondConnection();
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
  }

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

  if (durable) {
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
  }

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

/** One driver the driver contract runs on, on a fresh database for each test. */
export interface DriverBackend {
  readonly driver: SqlDriver;
  cleanup(): Promise<void>;
}

/**
 * The driver contract: what the SQL store relies on from a database, the
 * same on every one. A scratch table keeps it apart from the schema.
 */
export function driverContract(makeDriver: () => Promise<DriverBackend>): void {
  let backend: DriverBackend;
  let driver: SqlDriver;
  const SCRATCH = 'CREATE TABLE scratch (k TEXT PRIMARY KEY, n INTEGER NOT NULL, note TEXT)';
  const count = async (on: SqlDriver = driver): Promise<number> =>
    Number((await on.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM scratch'))[0]?.n);

  beforeEach(async () => {
    backend = await makeDriver();
    driver = backend.driver;
  });
  afterEach(async () => {
    await driver.close();
    await backend.cleanup();
  });

  test('the migrations apply every version once, in order, and record each', async () => {
    expect(await migrate(driver)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(driver)).toEqual([]);
    const rows = await driver.all<{ version: number | string; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => [Number(r.version), r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  test('a schema newer than the service knows stops the migrations', async () => {
    await migrate(driver);
    await driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
      999,
      'from the future',
      T0.toISOString(),
    ]);
    await expect(migrate(driver)).rejects.toThrow(/schema version 999 is newer/);
  });

  test('run answers the number of rows changed: inserted, skipped on conflict, updated, deleted', async () => {
    await driver.exec(SCRATCH);
    expect(await driver.run('INSERT INTO scratch (k, n) VALUES (?, ?), (?, ?)', ['a', 1, 'b', 2])).toBe(2);
    expect(
      await driver.run('INSERT INTO scratch (k, n) VALUES (?, ?) ON CONFLICT (k) DO NOTHING', ['a', 9]),
    ).toBe(0);
    expect(await driver.run('UPDATE scratch SET n = n + 10 WHERE n >= ?', [1])).toBe(2);
    expect(await driver.run('DELETE FROM scratch WHERE k = ?', ['missing'])).toBe(0);
    expect(await driver.run('DELETE FROM scratch WHERE k = ?', ['a'])).toBe(1);
    expect(await count()).toBe(1);
  });

  test('all binds the parameters in order and answers rows keyed by column, NULL as null', async () => {
    await driver.exec(SCRATCH);
    await driver.run('INSERT INTO scratch (k, n, note) VALUES (?, ?, ?), (?, ?, ?)', [
      'a',
      1,
      'first',
      'b',
      2,
      null,
    ]);
    const rows = await driver.all<{ k: string; n: number; note: string | null }>(
      'SELECT k, n, note FROM scratch WHERE n >= ? AND k <> ? ORDER BY k',
      [1, 'z'],
    );
    expect(rows).toEqual([
      { k: 'a', n: 1, note: 'first' },
      { k: 'b', n: 2, note: null },
    ]);
  });

  test('a transaction that resolves is committed', async () => {
    await driver.exec(SCRATCH);
    const result = await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['a', 1]);
      return tx.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['b', 2]);
    });
    expect(result).toBe(1);
    expect(await count()).toBe(2);
  });

  test('a transaction that throws is rolled back as a whole, and the driver goes on working', async () => {
    await driver.exec(SCRATCH);
    await driver.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['kept', 1]);
    const failure = new Error('the work failed half way');
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['lost', 2]);
        await tx.run('DELETE FROM scratch WHERE k = ?', ['kept']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await driver.all('SELECT k FROM scratch')).toEqual([{ k: 'kept' }]);
    expect(await driver.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['after', 3])).toBe(1);
  });

  // Matched by message: better-sqlite3's SqliteError is not an Error instance in jest's realm.
  test('a statement the database refuses inside a transaction rolls it back with the database error', async () => {
    await driver.exec(SCRATCH);
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['a', 1]);
        await tx.run('INSERT INTO scratch (k, n) VALUES (?, ?)', ['a', 2]); // duplicate key
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/unique|duplicate/i) as unknown });
    expect(await count()).toBe(0);
    await expect(driver.all('SELECT k FROM nowhere')).rejects.toMatchObject({
      message: expect.stringMatching(/nowhere/) as unknown,
    });
    expect(await count()).toBe(0);
  });

  test('once closed, statements are refused and closing again is harmless', async () => {
    await driver.exec(SCRATCH);
    await driver.close();
    await expect(count()).rejects.toThrow();
    await expect(driver.close()).resolves.toBeUndefined();
  });
}
