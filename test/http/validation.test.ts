import request from 'supertest';
import { PREFETCH_QUERIES } from '../../src/cds-hooks/prefetch-catalog.js';
import { testApp } from '../helpers/app.js';

const app = testApp();

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    context: { userId: 'Practitioner/1', patientId: 'p1' },
    // Every key of the prefetch catalog, sent as null (the EHR could not fetch it).
    prefetch: Object.fromEntries(Object.keys(PREFETCH_QUERIES).map((key) => [key, null])),
    ...overrides,
  };
}

function diagnostics(res: request.Response): string {
  return (res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics ?? '';
}

test('a request without hookInstance is refused with 400 naming the field', async () => {
  const b = body();
  delete b.hookInstance;
  const res = await request(app).post('/cds-services/rls-patient-view').send(b).expect(400);
  expect(diagnostics(res)).toMatch(/^hookInstance:/);
});

test('a request without context.patientId is refused with 400 naming context.patientId', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ context: { userId: 'Practitioner/1' } }))
    .expect(400);
  expect(diagnostics(res)).toMatch(/^context\.patientId:/);
});

test('a hook that does not match the service is refused with 400 naming hook', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ hook: 'order-sign' }))
    .expect(400);
  expect(diagnostics(res)).toMatch(/^hook: "order-sign" does not match/);
});

test('an unknown service answers 404', async () => {
  const res = await request(app).post('/cds-services/no-such-service').send(body()).expect(404);
  expect(diagnostics(res)).toContain('no-such-service');
});

test('malformed JSON answers 400, not 500', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .set('Content-Type', 'application/json')
    .send('{"hook": "patient-view",')
    .expect(400);
  expect(diagnostics(res)).toBe('request body is not valid JSON');
});

test('a JSON array body answers 400 naming the body', async () => {
  const res = await request(app).post('/cds-services/rls-patient-view').send([1, 2]).expect(400);
  expect(diagnostics(res)).toMatch(/^\(body\)/);
});

test('order-select without draftOrders is refused with 400 naming context.draftOrders', async () => {
  const res = await request(app)
    .post('/cds-services/rls-order-select')
    .send(
      body({ hook: 'order-select', context: { userId: 'Practitioner/1', patientId: 'p1', selections: [] } }),
    )
    .expect(400);
  expect(diagnostics(res)).toMatch(/^context\.draftOrders:/);
});

test('fhirAuthorization without fhirServer is refused with 400 naming fhirServer', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(
      body({
        fhirAuthorization: {
          access_token: 'secret-token',
          token_type: 'Bearer',
          expires_in: 300,
          scope: 'x',
          subject: 'y',
        },
      }),
    )
    .expect(400);
  expect(diagnostics(res)).toMatch(/^fhirServer:/);
  expect(JSON.stringify(res.body)).not.toContain('secret-token');
});

test('a prefetch value that is not a resource, a Bundle or null is refused naming the key', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ prefetch: { conditions: 'not a bundle' } }))
    .expect(400);
  expect(diagnostics(res)).toMatch(/^prefetch\.conditions must be/);
});

test('unknown fields and extensions are ignored', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ extension: { 'com.example.flag': true }, somethingNew: 1 }))
    .expect(200);
  expect(res.body).toEqual({ cards: [] });
});

test('a patientId written as Patient/123 is accepted as 123', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ context: { userId: 'Practitioner/1', patientId: 'Patient/123' } }))
    .expect(200);
  expect(res.body).toEqual({ cards: [] });
});

test('a patientId that is not a FHIR id is refused with 400', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ context: { userId: 'Practitioner/1', patientId: '../../etc/passwd' } }))
    .expect(400);
  expect(diagnostics(res)).toMatch(/^context\.patientId/);
});

test('error responses carry no stack trace', async () => {
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(body({ hook: 42 }))
    .expect(400);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
});
