/**
 * The EHR simulator's routes over HTTP: the page and its headers, where it is
 * (and is not) served, and its small API (drug list, the facts the service sees).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildWeb } from '../../scripts/build-web.js';
import { draftOrder, orderRequest, patientViewRequest } from '../../scripts/fixtures/requests.js';
import type { FactsView, OrderableView } from '../../src/demo/simulator/api-types.js';
import { BASE_URL, fixtureStore, testApp } from '../helpers/app.js';

let assets: string;
beforeAll(async () => {
  assets = mkdtempSync(join(tmpdir(), 'rls-sim-web-'));
  await buildWeb(assets);
}, 30_000);
afterAll(() => rmSync(assets, { recursive: true, force: true }));

const demoApp = () =>
  testApp({ DEMO_FHIR: 'true' }, fixtureStore(), undefined, { simulatorAssetsDir: assets });
test('the page is served at /demo/ with a same-origin-only content security policy', async () => {
  const res = await request(demoApp()).get('/demo/').expect(200);
  expect(res.type).toBe('text/html');
  expect(res.text).toContain('<script type="module" src="./simulator.js"></script>');
  const csp = res.headers['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  await request(demoApp())
    .get('/demo/simulator.js')
    .expect(200)
    .expect('content-type', /javascript/);
  await request(demoApp()).get('/demo/simulator.css').expect(200).expect('content-type', /css/);
  await request(demoApp()).get('/demo/base.css').expect(200).expect('content-type', /css/);
  await request(demoApp()).get('/demo').expect(302).expect('location', '/demo/');
  await request(demoApp()).get('/demo/index.html/../../package.json').expect(404);
});

test('a browser at / is sent to the simulator; API clients still get the JSON index', async () => {
  await request(demoApp())
    .get('/')
    .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
    .expect(302)
    .expect('location', '/demo/');
  const json = await request(demoApp()).get('/').expect(200);
  expect(json.body).toMatchObject({ ehrSimulator: `${BASE_URL}/demo/` });
});

test('without the demo (production default) there is no simulator', async () => {
  const app = testApp({ DEMO_FHIR: 'false' }, fixtureStore(), undefined, { simulatorAssetsDir: assets });
  await request(app).get('/demo/').expect(404);
  await request(app).get('/demo/api/orderables').expect(404);
  const index = await request(app).get('/').set('Accept', 'text/html').expect(200);
  expect(index.body).not.toHaveProperty('ehrSimulator');
});

test('an unbuilt page says how to build it', async () => {
  const app = testApp({ DEMO_FHIR: 'true' }, fixtureStore(), undefined, {
    simulatorAssetsDir: join(assets, 'missing'),
  });
  const res = await request(app).get('/demo/').expect(503);
  expect(res.text).toContain('npm run build');
});

test('the order composer offers the catalog drugs with their products', async () => {
  const res = await request(demoApp()).get('/demo/api/orderables').expect(200);
  const list = res.body as OrderableView[];
  const pramipexole = list.find((o) => o.id === 'pramipexole');
  expect(pramipexole).toMatchObject({ group: 'Dopamine agonists', rxcui: '746741' });
  expect(pramipexole?.products).toContainEqual({
    rxcui: '859044',
    mg: 0.5,
    basis: 'unit',
    display: 'pramipexole 0.5 mg tablet',
  });
  expect(list.find((o) => o.id === 'cabergoline')?.products[0]?.rxcui).toBe('199703');
});

test('the chart shows a pramipexole order completed 30 days ago as current therapy, saying why it counts', async () => {
  const res = await request(demoApp())
    .post('/demo/api/facts')
    .send(patientViewRequest(fixtureStore(), 'rls-pramipexole-completed-30-days'))
    .expect(200);
  const facts = res.body as FactsView;
  expect(facts.currentTherapy).toEqual([
    expect.objectContaining({
      ingredient: 'pramipexole',
      status: 'completed',
      stillCurrent: expect.stringMatching(
        /^completed order still current: authored .*30 days ago \(within 90 days\)$/,
      ) as unknown,
    }),
  ]);
  expect(facts.medicationHistory.map((m) => m.ingredient)).not.toContain('pramipexole');
});

test('the chart facts are what the service derives from the very request it is sent', async () => {
  const res = await request(demoApp())
    .post('/demo/api/facts')
    .send(patientViewRequest(fixtureStore(), 'rls-low-ferritin'))
    .expect(200);
  const facts = res.body as FactsView;
  expect(facts.conditions.map((c) => c.label)).toEqual(['Restless legs syndrome']);
  expect(facts.ferritin.latest).toMatchObject({ value: 42, unit: 'ng/mL' });
  expect(facts.ferritin.latest?.effective.startsWith('2026-10-15')).toBe(true);
  expect(facts.tsat.latest).toMatchObject({ value: 18, unit: '%' });
  expect(facts.currentTherapy).toEqual([
    expect.objectContaining({
      reference: 'MedicationRequest/rls-low-ferritin-pramipexole',
      ingredient: 'pramipexole',
      dose: expect.objectContaining({ known: true, mgPerDay: 0.25 }) as unknown,
    }),
  ]);
  expect(facts.medicationHistory.map((m) => m.ingredient)).toEqual(['gabapentin']);
  expect(facts.missing).toEqual([]);

  const cabergoline = draftOrder({
    id: 'draft-cabergoline',
    patientId: 'rls-good-iron',
    rxcui: '199703',
    display: 'cabergoline 0.5 MG Oral Tablet',
    doseMg: 0.5,
    timingCode: 'QD',
  });
  const order = await request(demoApp())
    .post('/demo/api/facts')
    .send(orderRequest(fixtureStore(), 'order-select', 'rls-good-iron', [cabergoline]))
    .expect(200);
  expect((order.body as FactsView).draftOrders).toEqual([
    expect.objectContaining({
      reference: 'MedicationRequest/draft-cabergoline',
      selected: true,
      dose: expect.objectContaining({ mgPerDay: 0.5 }) as unknown,
    }),
  ]);
});

test('facts: required data missing is reported, a bad body is a 400', async () => {
  const app = demoApp();
  const missing = await request(app)
    .post('/demo/api/facts')
    .send({ hook: 'patient-view', hookInstance: 'x', context: { userId: 'Practitioner/1', patientId: 'p1' } })
    .expect(200);
  expect((missing.body as FactsView).missing.length).toBeGreaterThan(0);
  await request(app).post('/demo/api/facts').send({ hook: 'nope' }).expect(400);
  await request(app).post('/demo/api/facts').send({ hook: 'patient-view', context: {} }).expect(400);
});

test("the simulator's FHIR server is the conformant demo server: a CapabilityStatement for FHIR 4.0.1 at /metadata", async () => {
  const app = demoApp();
  const session = (await request(app).get('/demo/api/session').expect(200)).body as { fhirServer: string };
  const path = new URL(session.fhirServer).pathname;
  const res = await request(app).get(`${path}/metadata`).expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(res.body).toMatchObject({
    resourceType: 'CapabilityStatement',
    fhirVersion: '4.0.1',
    kind: 'instance',
  });
});
