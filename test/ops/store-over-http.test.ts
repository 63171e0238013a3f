/**
 * The app over HTTP on the databases of a deployment, the embedded SQLite
 * file (native better-sqlite3) and PostgreSQL; the HTTP tier runs the same
 * routes on the in-memory store. Card log → feedback → override analytics
 * survive a restart (a duplicate feedback entry counts once, and a new app
 * on the same database keeps every count); the governance report reads the
 * same numbers; and the SQLite file never holds a raw patient id.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';
import { openStore } from '../../src/store/open.js';
import type { StoreSettings } from '../../src/store/open.js';
import { reportScenario } from './governance-data.js';
import { ADMIN_TOKEN, harness, ironCall, issueIronCard } from './harness.js';
import { describePostgres, freshSchema } from './pg.js';

const SUMMARY = '/admin/feedback-summary';
const PV = '/cds-services/rls-patient-view';
const IRON = 'iron-not-optimized';

function overrideOf(card: Card): Record<string, unknown> {
  const reason = card.overrideReasons?.[0];
  return {
    card: card.uuid,
    outcome: 'overridden',
    ...(reason ? { overrideReason: { reason, userComment: 'discussed with the patient' } } : {}),
    outcomeTimestamp: '2026-11-01T10:05:00Z',
  };
}

function restartScenario(settings: () => Promise<StoreSettings & { cleanup: () => Promise<void> }>): void {
  test('feedback posted twice for the same card counts once, and a restart keeps every count', async () => {
    const s = await settings();
    try {
      const first = harness({ store: await openStore(s) });
      const card = await issueIronCard(first);
      const feedback = { feedback: [overrideOf(card)] };
      const url = '/cds-services/rls-patient-view/feedback';
      expect((await request(first.app).post(url).send(feedback).expect(200)).body).toEqual({
        received: 1,
        recorded: 1,
      });
      expect((await request(first.app).post(url).send(feedback).expect(200)).body).toEqual({
        received: 1,
        recorded: 0,
      });
      const before = await request(first.app).get(SUMMARY).auth(ADMIN_TOKEN, { type: 'bearer' }).expect(200);
      const reasonCode = card.overrideReasons?.[0]?.code ?? null;
      expect(before.body).toMatchObject({
        since: null,
        unmatchedFeedback: 0,
        rules: [
          {
            ruleId: card.source.topic.code,
            issued: 1,
            accepted: 0,
            overridden: 1,
            noResponse: 0,
            acceptanceRate: 0,
            overrideReasons: [{ code: reasonCode, count: 1 }],
          },
        ],
      });
      await first.ops.store.close();

      const second = harness({ store: await openStore(s) });
      const after = await request(second.app).get(SUMMARY).auth(ADMIN_TOKEN, { type: 'bearer' }).expect(200);
      expect((after.body as { rules: unknown }).rules).toEqual((before.body as { rules: unknown }).rules);
      // Still a duplicate after the restart.
      expect((await request(second.app).post(url).send(feedback).expect(200)).body).toEqual({
        received: 1,
        recorded: 0,
      });
      await second.ops.store.close();
    } finally {
      await s.cleanup();
    }
  });
}

/** A fresh data directory for the SQLite file, and its removal. */
function sqliteDir(): { dataDir: string; databasePoolMax: number; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'cds-store-http-'));
  return {
    dataDir: dir,
    databasePoolMax: 1,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

describe('embedded SQLite', () => {
  restartScenario(() => Promise.resolve(sqliteDir()));

  describe('the governance report', () => {
    reportScenario(async () => {
      const { cleanup, ...settings } = sqliteDir();
      return { store: await openStore(settings), cleanup };
    });
  });

  test('no raw patient id anywhere in the database file after an override and a held-back card, only keyed hashes', async () => {
    const { cleanup, ...settings } = sqliteDir();
    try {
      const store = await openStore(settings);
      const h = harness({
        store,
        env: { CDS_PATIENT_KEY_SECRET: 'a-test-secret-of-at-least-32-characters-0123' },
      });
      const patientId = 'patient-7f3e9c21-unique';
      const first = await request(h.app).post(PV).send(ironCall(patientId)).expect(200);
      const iron = (first.body as { cards: Card[] }).cards.find((c) => c.source.topic.code === IRON);
      if (!iron) throw new Error('the iron call fired no iron-not-optimized card');
      expect(await h.ops.cardLog.flush(2000)).toBe(0);
      const feedback = { card: iron.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-01T10:05:00Z' };
      await request(h.app)
        .post(`${PV}/feedback`)
        .send({ feedback: [feedback] })
        .expect(200, { received: 1, recorded: 1 });
      const again = await request(h.app).post(PV).send(ironCall(patientId)).expect(200);
      expect((again.body as { cards: Card[] }).cards.map((c) => c.source.topic.code)).not.toContain(IRON);
      expect(await h.ops.suppressedLog.flush(2000)).toBe(0);
      await store.close();
      const bytes = ['', '-wal']
        .map((suffix) => {
          try {
            return readFileSync(join(settings.dataDir, `cds-ops.sqlite${suffix}`)).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
      expect(bytes).toContain(IRON);
      expect(bytes).not.toContain(patientId);
      expect(bytes).not.toContain('40 ng/mL');
    } finally {
      await cleanup();
    }
  });
});

describePostgres('PostgreSQL', () => {
  restartScenario(async () => {
    const schema = await freshSchema();
    return { dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2, cleanup: schema.drop };
  });
});
