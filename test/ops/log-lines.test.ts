/**
 * What the logs say, and what they never say. One line per request; the hook
 * line carries hookInstance, service, status, duration, cards by rule id and
 * the FHIR fallback count. No line carries an access token, an admin token,
 * a patient id, patient data, a request body or an override comment.
 * (The security work may add its own capture test; this one is about the
 * request log and the store.)
 */
import nock from 'nock';
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';
import { ADMIN_TOKEN, emptyFhirServer, harness, ironCall, ironCallWithFallback } from './harness.js';

const FHIR = 'https://ehr.example.org/fhir';
const PATIENT = 'patient-SECRET-4711';
const ACCESS_TOKEN = 'eyJ-access-token-SECRET-abc123';
const COMMENT = 'Mrs Jane SECRET-Doe prefers to wait';
const HOOK_INSTANCE = 'd2c7a4b5-1f0e-4c39-9a51-6b7e8f901234';

test('one line per hook call with hookInstance, service, status, duration, cards by rule and FHIR requests', async () => {
  const h = harness();
  const served = emptyFhirServer(FHIR);
  const body = { ...ironCallWithFallback(PATIENT, FHIR, ACCESS_TOKEN), hookInstance: HOOK_INSTANCE };
  const res = await request(h.app).post('/cds-services/rls-patient-view').send(body).expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  const expectedCards: Record<string, number> = {};
  for (const c of cards) expectedCards[c.source.topic.code] = (expectedCards[c.source.topic.code] ?? 0) + 1;

  const hookLines = h.lines().filter((l) => l.hookInstance === HOOK_INSTANCE);
  expect(hookLines).toHaveLength(1);
  expect(hookLines[0]).toMatchObject({
    level: 30,
    msg: 'hook call',
    method: 'POST',
    route: '/cds-services/:id',
    service: 'rls-patient-view',
    status: 200,
    cards: expectedCards,
    fhirRequests: served(),
  });
  expect(served()).toBeGreaterThanOrEqual(1);
  expect(typeof hookLines[0]?.durationMs).toBe('number');
});

test('a 412 and a 400 are one line each, naming the missing key or the bad field', async () => {
  const h = harness();
  const missing = ironCall(PATIENT);
  delete (missing.prefetch as Record<string, unknown>).conditions;
  await request(h.app).post('/cds-services/rls-patient-view').send(missing).expect(412);
  await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send({ ...ironCall(PATIENT), context: { userId: 'Practitioner/1' } })
    .expect(400);
  const [l412, l400] = h.lines();
  expect(l412).toMatchObject({ status: 412, service: 'rls-patient-view', missing: ['conditions'] });
  expect(l400).toMatchObject({ status: 400, service: 'rls-patient-view', msg: 'hook call rejected' });
  expect(typeof l400?.field).toBe('string');
  expect(h.lines()).toHaveLength(2);
});

test('no log line carries a token, a patient id, patient data or a comment, whatever the call', async () => {
  const h = harness();
  nock(FHIR).persist().get(/.*/).reply(500, { patient: PATIENT });
  const call = ironCallWithFallback(PATIENT, FHIR, ACCESS_TOKEN);
  const res = await request(h.app)
    .post('/cds-services/rls-patient-view')
    .set('Authorization', `Bearer ${ACCESS_TOKEN}`)
    .send(call)
    .expect(200);
  const card = (res.body as { cards: Card[] }).cards[0] as Card;
  // feedback with a free-text comment (kept in the store, never logged)
  await request(h.app)
    .post('/cds-services/rls-patient-view/feedback')
    .send({
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { userComment: COMMENT },
          outcomeTimestamp: '2026-11-01T10:00:00Z',
        },
      ],
    })
    .expect(200);
  // a bad body that echoes the patient, a 404 whose path is a patient id, the admin route with its token
  await request(h.app)
    .post('/cds-services/rls-patient-view')
    .send({ ...call, hook: 'order-sign' })
    .expect(400);
  await request(h.app)
    .get(`/Patient/${PATIENT}?name=${encodeURIComponent(COMMENT)}`)
    .expect(404);
  await request(h.app).get('/admin/feedback-summary').auth(ADMIN_TOKEN, { type: 'bearer' }).expect(200);
  await request(h.app).get('/admin/feedback-summary').auth(ACCESS_TOKEN, { type: 'bearer' }).expect(401);

  const out = h.output();
  expect(h.lines().length).toBeGreaterThanOrEqual(6);
  for (const secret of [PATIENT, ACCESS_TOKEN, ADMIN_TOKEN, COMMENT, 'SECRET', 'Bearer']) {
    expect(out).not.toContain(secret);
  }
  for (const line of h.lines()) {
    expect(line).not.toHaveProperty('req');
    expect(line).not.toHaveProperty('res');
    expect(line).not.toHaveProperty('headers');
  }
});

test('health probes and metric scrapes are not logged', async () => {
  const h = harness();
  await request(h.app).get('/healthz').expect(200);
  await request(h.app).get('/readyz').expect(200);
  await request(h.app).get('/metrics').expect(200);
  expect(h.lines()).toEqual([]);
});
