/**
 * The override analytics route, `GET /admin/feedback-summary`, on the
 * in-memory store: behind the admin token, a checked `since`, and rule
 * counts that never name a patient. That the counts survive a restart on
 * the SQLite file and PostgreSQL is feedback-restart.test.ts.
 */
import request from 'supertest';
import { BASE_URL } from '../helpers/app.js';
import { ADMIN_TOKEN, harness, issueIronCard } from './harness.js';

const SUMMARY = '/admin/feedback-summary';

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
    await issueIronCard(h); // issued at the test clock, 2026-11-01
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
