/**
 * The in-memory store that the HTTP tier, and any app built without a
 * store, runs on: SQLite compiled to WebAssembly (sql.js). Building and
 * using the app never loads the native SQLite build of the file store, and
 * the in-memory store keeps the same driver and store contracts as the
 * SQLite file and PostgreSQL (store-contract.ts; those run in store.test.ts).
 */
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';

/** How many times this file loaded better-sqlite3; a load also fails, as it would without the native build. */
let nativeLoads = 0;
jest.unstable_mockModule('better-sqlite3', () => {
  nativeLoads += 1;
  throw new Error('better-sqlite3 was loaded');
});

const { memoryStore, openStore } = await import('../../src/store/open.js');
const { SqlJsDriver } = await import('../../src/store/sqljs.js');
const { testApp } = await import('../helpers/app.js');
const { ADMIN_TOKEN, harness, ironCall } = await import('./harness.js');
const { EHR, T0, accepted, card, driverContract, overridden, storeContract } =
  await import('./store-contract.js');

const PV = '/cds-services/rls-patient-view';

describe('the HTTP tier needs no native SQLite build', () => {
  test('an app built as the HTTP tests build it logs cards and feedback without loading better-sqlite3', async () => {
    const h = harness(); // no store given: the operations bundle makes the in-memory one
    expect(h.ops.store.kind).toBe('sqlite');
    const hook = await request(h.app).post(PV).send(ironCall('p-memory-1')).expect(200);
    const cards = (hook.body as { cards: Card[] }).cards;
    const iron = cards.find((c) => c.source.topic.code === 'iron-not-optimized');
    if (!iron) throw new Error('the iron call fired no iron-not-optimized card');
    expect(await h.ops.cardLog.flush(2000)).toBe(0);
    const feedback = await request(h.app)
      .post(`${PV}/feedback`)
      .send({
        feedback: [{ card: iron.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-01T10:05:00Z' }],
      })
      .expect(200);
    expect(feedback.body).toEqual({ received: 1, recorded: 1 });
    const summary = await request(h.app)
      .get('/admin/feedback-summary')
      .auth(ADMIN_TOKEN, { type: 'bearer' })
      .expect(200);
    const rules = (summary.body as { rules: { ruleId: string }[] }).rules;
    expect(rules).toHaveLength(new Set(cards.map((c) => c.source.topic.code)).size);
    expect(rules.find((r) => r.ruleId === 'iron-not-optimized')).toMatchObject({
      issued: 1,
      accepted: 0,
      overridden: 1,
      noResponse: 0,
    });
    await request(h.app).get('/readyz').expect(200); // the readiness check pings the in-memory store

    const app = testApp(); // createApp without an operations bundle
    await request(app).post(PV).send(ironCall('p-memory-2')).expect(200);

    expect(nativeLoads).toBe(0);
  });

  test('opening the SQLite file store does load better-sqlite3 (so the check above can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-memory-probe-'));
    try {
      await expect(openStore({ dataDir: dir, databasePoolMax: 1 })).rejects.toThrow(
        /cannot open the store \(sqlite .*\): better-sqlite3 was loaded/,
      );
      expect(nativeLoads).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the in-memory store', () => {
  storeContract(
    () => Promise.resolve({ open: () => Promise.resolve(memoryStore()), cleanup: () => Promise.resolve() }),
    {
      durable: false,
    },
  );

  test('is usable at once, and each one is a database of its own', async () => {
    const a = memoryStore();
    const b = memoryStore();
    try {
      // No waiting for the engine or the migrations: the first operations wait for them.
      await a.recordCards([card('c1', 'iron-not-optimized')]);
      await a.recordFeedback([accepted('c1', 1)]);
      expect((await a.feedbackSummary(null)).rules).toEqual([
        expect.objectContaining({ ruleId: 'iron-not-optimized', issued: 1, accepted: 1 }),
      ]);
      expect(await b.feedbackSummary(null)).toEqual({ since: null, rules: [], unmatchedFeedback: 0 });
      expect(await b.recordFeedback([overridden('c1', 1)])).toEqual([
        { cardUuid: 'c1', outcome: 'overridden', ruleId: undefined },
      ]);
      expect(await a.findingMemory(EHR, 'no-such-patient', ['iron-not-optimized'])).toEqual([]);
      expect(await a.dailyOutcomes(T0, new Date(T0.getTime() + 86_400_000))).toEqual([
        { ruleId: 'iron-not-optimized', day: '2026-11-01', kind: 'issued', reasonCode: null, count: 1 },
        { ruleId: 'iron-not-optimized', day: '2026-11-01', kind: 'accepted', reasonCode: null, count: 1 },
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the sql.js driver', () => {
  driverContract(() => Promise.resolve({ driver: new SqlJsDriver(), cleanup: () => Promise.resolve() }));

  test('statements sent while a transaction is open run after it, never inside it', async () => {
    const driver = new SqlJsDriver();
    try {
      await driver.exec('CREATE TABLE scratch (k TEXT PRIMARY KEY)');
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const transaction = driver.transaction(async (tx) => {
        await tx.run('INSERT INTO scratch (k) VALUES (?)', ['inside']);
        await gate;
        throw new Error('rolled back');
      });
      const outside = driver.run('INSERT INTO scratch (k) VALUES (?)', ['outside']);
      await new Promise((resolve) => setTimeout(resolve, 10));
      release();
      await expect(transaction).rejects.toThrow('rolled back');
      expect(await outside).toBe(1);
      expect(await driver.all('SELECT k FROM scratch')).toEqual([{ k: 'outside' }]);
    } finally {
      await driver.close();
    }
  });
});
