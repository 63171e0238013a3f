/**
 * Card log → feedback → override analytics over HTTP, on the embedded SQLite
 * file and on PostgreSQL: a duplicate feedback entry counts once, and a
 * restart (a new app on the same database) keeps every count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';
import { openStore } from '../../src/store/open.js';
import type { StoreSettings } from '../../src/store/open.js';
import { BASE_URL } from '../helpers/app.js';
import { ADMIN_TOKEN, harness, ironCall } from './harness.js';
import { describePostgres, freshSchema } from './pg.js';

const SUMMARY = '/admin/feedback-summary';

async function issueCard(h: ReturnType<typeof harness>): Promise<Card> {
  const res = await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send(ironCall('p-ops-1'))
    .expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  expect(cards.length).toBeGreaterThan(0);
  expect(await h.ops.cardLog.flush(2000)).toBe(0);
  return cards[0] as Card;
}

function overrideOf(card: Card): Record<string, unknown> {
  const reason = card.overrideReasons?.[0];
  return {
    card: card.uuid,
    outcome: 'overridden',
    ...(reason ? { overrideReason: { reason, userComment: 'discussed with the patient' } } : {}),
    outcomeTimestamp: '2026-11-01T10:05:00Z',
  };
}

function scenario(settings: () => Promise<StoreSettings & { cleanup: () => Promise<void> }>): void {
  test('feedback posted twice for the same card counts once, and a restart keeps every count', async () => {
    const s = await settings();
    try {
      const first = harness({ store: await openStore(s) });
      const card = await issueCard(first);
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

describe('embedded SQLite', () => {
  scenario(() => {
    const dir = mkdtempSync(join(tmpdir(), 'cds-summary-'));
    return Promise.resolve({
      dataDir: dir,
      databasePoolMax: 1,
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  });
});

describePostgres('PostgreSQL', () => {
  scenario(async () => {
    const schema = await freshSchema();
    return { dataDir: '/nonexistent', databaseUrl: schema.url, databasePoolMax: 2, cleanup: schema.drop };
  });
});

describe('the admin route', () => {
  const h = harness();

  test('answers 401 with a Bearer challenge without a token', async () => {
    const res = await request(h.app).get(SUMMARY).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  test('answers 401 to a wrong token', async () => {
    await request(h.app)
      .get(SUMMARY)
      .auth('admin-token-for-tests-0123456788', { type: 'bearer' })
      .expect(401);
  });

  test('does not exist when CDS_ADMIN_TOKEN is unset', async () => {
    const open = harness({ env: { CDS_ADMIN_TOKEN: undefined } });
    await request(open.app).get(SUMMARY).auth(ADMIN_TOKEN, { type: 'bearer' }).expect(404);
  });

  test('refuses a since that is not a date with 400 naming it', async () => {
    const res = await request(h.app)
      .get(`${SUMMARY}?since=last-week`)
      .auth(ADMIN_TOKEN, { type: 'bearer' })
      .expect(400);
    expect(JSON.stringify(res.body)).toContain('since');
  });

  test('since=<date> reports only cards issued from that day on', async () => {
    await issueCard(h); // issued at the test clock, 2026-11-01
    const auth = { type: 'bearer' } as const;
    const from = await request(h.app).get(`${SUMMARY}?since=2026-11-01`).auth(ADMIN_TOKEN, auth).expect(200);
    expect(from.body).toMatchObject({ since: '2026-11-01T00:00:00.000Z', rules: [{ issued: 1 }] });
    const later = await request(h.app).get(`${SUMMARY}?since=2026-11-02`).auth(ADMIN_TOKEN, auth).expect(200);
    expect((later.body as { rules: unknown[] }).rules).toEqual([]);
  });

  test('the summary names rules, never patients', async () => {
    const res = await request(h.app).get(SUMMARY).auth(ADMIN_TOKEN, { type: 'bearer' }).expect(200);
    expect(JSON.stringify(res.body)).not.toContain('p-ops-1');
    expect(JSON.stringify(res.body)).not.toContain(BASE_URL);
  });
});
