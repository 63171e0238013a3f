import request from 'supertest';
import { testApp } from '../helpers/app.js';

const app = testApp();
const URL = '/cds-services/rls-order-select/feedback';

const accepted = {
  card: '9c0d8d2e-8f4f-4d6c-9a53-2d1f7c1b0e11',
  outcome: 'accepted',
  acceptedSuggestions: [{ id: 'e56e1945-20b3-4393-8503-a1a20fd73152' }],
  outcomeTimestamp: '2026-11-01T10:00:00Z',
};
const overridden = {
  card: '1a2b3c4d-0000-4000-8000-000000000001',
  outcome: 'overridden',
  overrideReason: {
    reason: { code: 'non-rls-indication', system: 'https://cds.test.example/override-reasons' },
    userComment: 'for prolactinoma',
  },
  outcomeTimestamp: '2026-11-01T10:01:00Z',
};

test('a batch of feedback is accepted with 200 and every entry counted once', async () => {
  const res = await request(app)
    .post(URL)
    .send({ feedback: [accepted, overridden] })
    .expect(200);
  expect(res.body).toEqual({ received: 2, recorded: 2 });
});

test('a duplicate feedback entry is acknowledged but not recorded twice', async () => {
  const entry = { ...accepted, card: 'dup-card-0001' };
  await request(app)
    .post(URL)
    .send({ feedback: [entry] })
    .expect(200);
  const res = await request(app)
    .post(URL)
    .send({ feedback: [entry, entry] })
    .expect(200);
  expect(res.body).toEqual({ received: 2, recorded: 0 });
});

test('accepted feedback without acceptedSuggestions is refused with 400 naming the field', async () => {
  const { acceptedSuggestions: _a, ...entry } = accepted;
  const res = await request(app)
    .post(URL)
    .send({ feedback: [entry] })
    .expect(400);
  expect(JSON.stringify(res.body)).toContain('feedback.0.acceptedSuggestions');
});

test('feedback with an unknown outcome is refused with 400 naming the field', async () => {
  const res = await request(app)
    .post(URL)
    .send({ feedback: [{ ...accepted, outcome: 'ignored' }] })
    .expect(400);
  expect(JSON.stringify(res.body)).toContain('feedback.0.outcome');
});

test('feedback without a valid outcomeTimestamp is refused with 400', async () => {
  const res = await request(app)
    .post(URL)
    .send({ feedback: [{ ...overridden, outcomeTimestamp: 'yesterday' }] })
    .expect(400);
  expect(JSON.stringify(res.body)).toContain('feedback.0.outcomeTimestamp');
});

test('feedback for an unknown service answers 404 naming the service id', async () => {
  const res = await request(app)
    .post('/cds-services/nope/feedback')
    .send({ feedback: [accepted] })
    .expect(404);
  expect((res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toBe(
    'no CDS service with id "nope"',
  );
});

test('the CORS preflight is answered without a token and allows Authorization and Content-Type', async () => {
  const res = await request(app)
    .options('/cds-services/rls-patient-view')
    .set('Origin', 'https://ehr.example.org')
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type')
    .expect(204);
  expect(res.headers['access-control-allow-origin']).toBe('*');
  expect(String(res.headers['access-control-allow-headers'])).toMatch(/Authorization/);
  expect(String(res.headers['access-control-allow-headers'])).toMatch(/Content-Type/);
  expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/);
});

test('discovery answers browser clients with CORS headers', async () => {
  const res = await request(app).get('/cds-services').set('Origin', 'https://ehr.example.org').expect(200);
  expect(res.headers['access-control-allow-origin']).toBe('*');
});

test('an unknown route answers 404 with an OperationOutcome', async () => {
  const res = await request(app).get('/nothing-here').expect(404);
  expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
});
