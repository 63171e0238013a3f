import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { BASE_URL, fixtureStore, testApp } from '../helpers/app.js';
import { viaFallback } from '../helpers/fhir.js';
import { cardProblems } from '../helpers/cards.js';
import { demoFhirRouter } from '../../src/demo/fhir-server.js';
import { patientViewRequest } from '../../scripts/fixtures/requests.js';
import type { Card } from '../../src/protocol/types.js';

// fhir-kit-client calls Node's fetch; this test uses a real FHIR server on loopback that pages
// 3 results at a time and demands a bearer token, rather than nock, so paging is end to end.
const TOKEN = 'fallback-token-7f3a';
const store = fixtureStore();
let server: Server;
let fhirBase: string;
let requests: { path: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  const fhir = express();
  fhir.use((req, _res, next) => {
    requests.push({ path: req.url, auth: req.get('authorization') });
    next();
  });
  fhir.use('/fhir', demoFhirRouter(store, { pageSize: 3, maxPageSize: 3, requiredToken: TOKEN }));
  server = fhir.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  fhirBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
});

function comparable(cards: Card[]): unknown[] {
  return cards.map(({ uuid: _u, suggestions, ...rest }) => ({
    ...rest,
    suggestions: suggestions?.map(({ uuid: _s, ...s }) => s),
  }));
}

test.each(['rls-low-ferritin', 'rls-computed-tsat', 'rls-esrd', 'rls-stale-ferritin'])(
  'patient-view for %s through a paging, token-protected FHIR server gives the same cards as full prefetch',
  async (patientId) => {
    const app = testApp();
    const withPrefetch = patientViewRequest(store, patientId);
    const withoutPrefetch = viaFallback(withPrefetch, fhirBase, TOKEN);
    const a = await request(app).post('/cds-services/rls-patient-view').send(withPrefetch).expect(200);
    expect(requests).toEqual([]);
    const b = await request(app).post('/cds-services/rls-patient-view').send(withoutPrefetch).expect(200);
    const expected = (a.body as { cards: Card[] }).cards;
    const actual = (b.body as { cards: Card[] }).cards;
    expect(expected.length).toBeGreaterThan(0);
    expect(comparable(actual)).toEqual(comparable(expected));
    for (const card of actual) expect(cardProblems(card, BASE_URL)).toEqual([]);
    expect(requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
  },
);

test('the low-ferritin patient has more than one page of iron studies, and every page is read', async () => {
  const app = testApp();
  const body = viaFallback(patientViewRequest(store, 'rls-low-ferritin'), fhirBase, TOKEN);
  await request(app).post('/cds-services/rls-patient-view').send(body).expect(200);
  const pages = requests.filter((r) => r.path.startsWith('/fhir/Observation') && r.path.includes('2276-4'));
  expect(pages.length).toBeGreaterThanOrEqual(2);
});

test('a wrong token makes the FHIR server refuse, and the call answers 412', async () => {
  const app = testApp();
  const body = viaFallback(patientViewRequest(store, 'rls-low-ferritin'), fhirBase, 'wrong');
  const res = await request(app).post('/cds-services/rls-patient-view').send(body).expect(412);
  expect(JSON.stringify(res.body)).toContain('HTTP 401');
  expect(JSON.stringify(res.body)).not.toContain('wrong');
});
