/**
 * No answer that carries cards or patient data may be kept by a browser or a
 * proxy: `Cache-Control: no-store` on hook answers (cards, 412, 400),
 * discovery, feedback, the admin summary, the demo FHIR server and the
 * simulator API, errors included.
 */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { FIXTURES_DIR, fixtureStore, testApp } from '../helpers/app.js';

const ADMIN_TOKEN = 'f3a9c0d27b1e4c58a6d9e0f1b2c3d4e5';
const app = testApp({ DEMO_FHIR: 'true', CDS_ADMIN_TOKEN: ADMIN_TOKEN }, fixtureStore());

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${name}`, 'utf8')) as Record<string, unknown>;
}

const withCards = fixture('rls-low-ferritin--patient-view.json');
const { prefetch: _prefetch, ...withoutPrefetch } = withCards;

test.each([
  ['a hook call with cards', () => request(app).post('/cds-services/rls-patient-view').send(withCards), 200],
  [
    'a 412 naming what is missing',
    () => request(app).post('/cds-services/rls-patient-view').send(withoutPrefetch),
    412,
  ],
  [
    'a 400 naming the field',
    () => request(app).post('/cds-services/rls-patient-view').send({ hook: 'x' }),
    400,
  ],
  ['discovery', () => request(app).get('/cds-services'), 200],
  [
    'feedback',
    () =>
      request(app)
        .post('/cds-services/rls-patient-view/feedback')
        .send({
          feedback: [{ card: 'c1', outcome: 'overridden', outcomeTimestamp: '2026-11-01T12:00:00Z' }],
        }),
    200,
  ],
  [
    'the admin feedback summary',
    () => request(app).get('/admin/feedback-summary').set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    200,
  ],
  ['a demo FHIR read', () => request(app).get('/demo/fhir/Patient/rls-low-ferritin'), 200],
  ['a demo FHIR search', () => request(app).get('/demo/fhir/Observation?patient=rls-low-ferritin'), 200],
  ['the simulator facts API', () => request(app).post('/demo/api/facts').send(withCards), 200],
  ['the simulator session API', () => request(app).get('/demo/api/session'), 200],
  ['an unknown route', () => request(app).get('/nothing-here'), 404],
])('%s: Cache-Control no-store', async (_name, send, status) => {
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.headers['cache-control']).toBe('no-store');
});
