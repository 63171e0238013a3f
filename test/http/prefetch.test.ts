import nock from 'nock';
import request from 'supertest';
import { BASE_URL, testApp } from '../helpers/app.js';
import { cardProblems, ruleIds } from '../helpers/cards.js';
import { fullPrefetch, lab, patientView, rlsCondition, searchset } from '../helpers/fhir.js';
import type { Card } from '../../src/protocol/types.js';

const FHIR = 'https://ehr.example.org/fhir';
const P = 'p42';
const app = testApp();
const rls = rlsCondition(P);
const lowFerritin = lab(P, 'f1', '2276-4', 40, 'ng/mL', '2026-10-01T08:00:00Z');
const goodTsat = lab(P, 't1', '2502-3', 25, '%', '2026-10-01T08:00:00Z');

async function cards(body: Record<string, unknown>): Promise<Card[]> {
  const res = await request(app).post('/cds-services/rls-patient-view').send(body).expect(200);
  const out = (res.body as { cards: Card[] }).cards;
  for (const card of out) expect(cardProblems(card, BASE_URL)).toEqual([]);
  return out;
}

test('with full prefetch no FHIR request is made and the iron card fires', async () => {
  const got = await cards(patientView(P, fullPrefetch([rls], [lowFerritin, goodTsat])));
  expect(ruleIds(got)).toEqual(['iron-not-optimized']);
});

test('a prefetch key set to null means known-empty: no fetch, no 412', async () => {
  const prefetch = { ...fullPrefetch([rls], []), ironStudies: null };
  const got = await cards(patientView(P, prefetch, { fhirServer: FHIR }));
  expect(ruleIds(got)).toEqual(['iron-studies-due']);
  expect(nock.pendingMocks()).toEqual([]);
});

test('an absent required key without a fhirServer answers 412 naming the missing data', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.ironStudies;
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(patientView(P, prefetch))
    .expect(412);
  const issues = (res.body as { issue: { diagnostics: string; expression: string[] }[] }).issue;
  expect(issues).toHaveLength(1);
  expect(issues[0]?.expression).toEqual(['prefetch.ironStudies']);
  expect(issues[0]?.diagnostics).toContain('iron studies');
  expect(issues[0]?.diagnostics).toContain('no fhirServer');
  expect(JSON.stringify(res.body)).not.toContain(P);
});

test('an absent optional key without a fhirServer still answers, and the gap is not a 412', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], [lowFerritin, goodTsat]);
  delete prefetch.medicationStatements;
  const got = await cards(patientView(P, prefetch));
  expect(ruleIds(got)).toEqual(['iron-not-optimized']);
});

test('an absent key is fetched from the fhirServer with the bearer token', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.ironStudies;
  const scope = nock(FHIR, { reqheaders: { authorization: 'Bearer tok-123' } })
    .get('/Observation')
    .query((q) => q.patient === P && String(q.code).includes('http://loinc.org|2276-4'))
    .reply(200, searchset([lowFerritin, goodTsat]));
  const got = await cards(
    patientView(P, prefetch, {
      fhirServer: FHIR,
      fhirAuthorization: {
        access_token: 'tok-123',
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'patient/*.read',
        subject: 'cds',
      },
    }),
  );
  expect(ruleIds(got)).toEqual(['iron-not-optimized']);
  scope.done();
});

test('an OperationOutcome prefetch is treated as not provided and fetched', async () => {
  const prefetch = {
    ...fullPrefetch([rls], []),
    ironStudies: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] },
  };
  const scope = nock(FHIR)
    .get('/Observation')
    .query(true)
    .reply(200, searchset([lowFerritin, goodTsat]));
  const got = await cards(patientView(P, prefetch, { fhirServer: FHIR }));
  expect(ruleIds(got)).toEqual(['iron-not-optimized']);
  scope.done();
});

test('a Bundle holding an error OperationOutcome is treated as not provided and fetched', async () => {
  const prefetch = {
    ...fullPrefetch([rls], []),
    ironStudies: searchset([
      { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception' }] },
    ]),
  };
  const scope = nock(FHIR)
    .get('/Observation')
    .query(true)
    .reply(200, searchset([lowFerritin, goodTsat]));
  expect(ruleIds(await cards(patientView(P, prefetch, { fhirServer: FHIR })))).toEqual([
    'iron-not-optimized',
  ]);
  scope.done();
});

test('an OperationOutcome prefetch without a fhirServer answers 412', async () => {
  const prefetch = {
    ...fullPrefetch([rls], []),
    conditions: { resourceType: 'OperationOutcome', issue: [] },
  };
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(patientView(P, prefetch))
    .expect(412);
  expect(JSON.stringify(res.body)).toContain('prefetch.conditions');
});

test('a prefetched searchset with a next link is completed from the FHIR server', async () => {
  const prefetch = {
    ...fullPrefetch([rls], []),
    ironStudies: searchset([goodTsat], `${FHIR}/Observation?patient=${P}&page=2`),
  };
  const scope = nock(FHIR)
    .get('/Observation')
    .query({ patient: P, page: '2' })
    .reply(200, searchset([lowFerritin]));
  expect(ruleIds(await cards(patientView(P, prefetch, { fhirServer: FHIR })))).toEqual([
    'iron-not-optimized',
  ]);
  scope.done();
});

test('the FHIR server answering 500 for required data gives 412 with the reason', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.ironStudies;
  nock(FHIR).get('/Observation').query(true).reply(500, { resourceType: 'OperationOutcome', issue: [] });
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(patientView(P, prefetch, { fhirServer: FHIR }))
    .expect(412);
  expect(JSON.stringify(res.body)).toContain('HTTP 500');
});

test('the FHIR server answering 404 for a search gives 412 with the reason', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.conditions;
  nock(FHIR).get('/Condition').query(true).reply(404, { resourceType: 'OperationOutcome', issue: [] });
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(patientView(P, prefetch, { fhirServer: FHIR }))
    .expect(412);
  expect(JSON.stringify(res.body)).toContain('HTTP 404');
});

test('a Patient read that answers 404 is no data, not a failure', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], [lowFerritin, goodTsat]);
  delete prefetch.patient;
  const scope = nock(FHIR).get(`/Patient/${P}`).reply(404, { resourceType: 'OperationOutcome', issue: [] });
  expect(ruleIds(await cards(patientView(P, prefetch, { fhirServer: FHIR })))).toEqual([
    'iron-not-optimized',
  ]);
  scope.done();
});

test('a FHIR server that does not answer in time gives 412 within the timeout', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.ironStudies;
  nock(FHIR).get('/Observation').query(true).delay(5000).reply(200, searchset([]));
  const started = Date.now();
  const res = await request(app)
    .post('/cds-services/rls-patient-view')
    .send(patientView(P, prefetch, { fhirServer: FHIR }))
    .expect(412);
  expect(Date.now() - started).toBeLessThan(3000); // the test app's timeout is 1 s
  expect(JSON.stringify(res.body)).toContain('timed out');
});

test('fallback queries of one call run in parallel', async () => {
  const prefetch: Record<string, unknown> = fullPrefetch([rls], []);
  delete prefetch.ironStudies;
  delete prefetch.conditions;
  delete prefetch.medicationRequests;
  nock(FHIR)
    .get('/Observation')
    .query(true)
    .delay(400)
    .reply(200, searchset([lowFerritin, goodTsat]));
  nock(FHIR)
    .get('/Condition')
    .query(true)
    .delay(400)
    .reply(200, searchset([rls]));
  nock(FHIR).get('/MedicationRequest').query(true).delay(400).reply(200, searchset([]));
  const started = Date.now();
  expect(ruleIds(await cards(patientView(P, prefetch, { fhirServer: FHIR })))).toEqual([
    'iron-not-optimized',
  ]);
  // Three 400 ms requests in series would take at least 1200 ms.
  expect(Date.now() - started).toBeLessThan(1100);
});

test('resources of another patient in a prefetch are ignored', async () => {
  const other = lab('someone-else', 'f9', '2276-4', 10, 'ng/mL', '2026-10-20T08:00:00Z');
  const got = await cards(patientView(P, fullPrefetch([rls], [other])));
  expect(ruleIds(got)).toEqual(['iron-studies-due']);
});
