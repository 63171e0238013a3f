import { readFileSync, readdirSync } from 'node:fs';
import request from 'supertest';
import { BASE_URL, FIXTURES_DIR, fixtureStore, testApp } from '../helpers/app.js';
import { cardProblems, ruleIds } from '../helpers/cards.js';
import { allFixtureRequests } from '../../src/demo/requests.js';
import type { Card } from '../../src/cds-hooks/types.js';

const app = testApp();
const REQUESTS = `${FIXTURES_DIR}requests/`;

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${REQUESTS}${name}`, 'utf8')) as Record<string, unknown>;
}

async function call(name: string): Promise<Card[]> {
  const body = fixture(name);
  const service = {
    'patient-view': 'rls-patient-view',
    'order-select': 'rls-order-select',
    'order-sign': 'rls-order-sign',
  }[body.hook as string];
  const res = await request(app)
    .post(`/cds-services/${service ?? 'unknown'}`)
    .send(body)
    .expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  for (const card of cards) expect(cardProblems(card, BASE_URL)).toEqual([]);
  return cards;
}

/** What each fixture must make fire (and by omission, must not). */
const EXPECTED: Record<string, string[]> = {
  'patient-view--rls-low-ferritin.json': ['iron-not-optimized'],
  'patient-view--rls-ferritin-75.json': ['iron-not-optimized'],
  'patient-view--rls-ferritin-76.json': ['iron-borderline'],
  'patient-view--rls-ferritin-101.json': [],
  'patient-view--rls-tsat-19.json': ['iron-not-optimized'],
  'patient-view--rls-stale-ferritin.json': ['iron-studies-due'],
  'patient-view--rls-no-iron-studies.json': ['iron-studies-due'],
  'patient-view--rls-computed-tsat.json': ['iron-not-optimized'],
  'patient-view--rls-esrd.json': ['esrd-iron-not-optimized'],
  'patient-view--rls-entered-in-error.json': [],
  'patient-view--no-rls.json': [],
  'patient-view--rls-ferritin-ugl.json': ['iron-not-optimized'],
  'patient-view--rls-good-iron.json': [],
  'order-select--cabergoline.json': ['avoid-cabergoline'],
  'order-sign--cabergoline.json': ['avoid-cabergoline'],
  'order-select--cabergoline-for-hyperprolactinemia.json': ['avoid-cabergoline'],
  'order-select--cabergoline-not-selected.json': [],
  'order-sign--gabapentin.json': [],
};

test('every committed fixture request has an expectation', () => {
  expect(readdirSync(REQUESTS).sort()).toEqual(Object.keys(EXPECTED).sort());
});

test('the committed fixture requests match what the fixture patients and templates generate', () => {
  const generated = allFixtureRequests(fixtureStore());
  for (const [name, body] of Object.entries(generated))
    expect(fixture(name)).toEqual(JSON.parse(JSON.stringify(body)));
});

test.each(Object.entries(EXPECTED))('%s fires exactly %j', async (name, expected) => {
  expect(ruleIds(await call(name))).toEqual(expected);
});

test('ferritin of exactly 75 ng/mL shows the value and date on the iron card', async () => {
  const [card] = await call('patient-view--rls-ferritin-75.json');
  expect(card?.summary).toContain('ferritin 75 ng/mL');
  expect(card?.detail).toContain('ferritin 75 ng/mL on 2026-09-20');
  expect(card?.indicator).toBe('warning');
});

test('a ferritin from 13 months ago counts as missing and the card says how old it was', async () => {
  const [card] = await call('patient-view--rls-stale-ferritin.json');
  expect(card?.source.topic.code).toBe('iron-studies-due');
  expect(card?.detail).toContain('no ferritin in the last 12 months (last: ferritin 40 ng/mL on 2025-10-01');
});

test('a TSAT computed from iron and TIBC is shown with how it was computed', async () => {
  const [card] = await call('patient-view--rls-computed-tsat.json');
  expect(card?.summary).toContain('TSAT 12.5 %');
  expect(card?.detail).toContain('TSAT computed as serum iron 50 ug/dL / TIBC 400 ug/dL × 100');
});

test('a ferritin in ug/L is read as ng/mL and the card says it was converted', async () => {
  const [card] = await call('patient-view--rls-ferritin-ugl.json');
  expect(card?.summary).toContain('ferritin 50 ng/mL');
  expect(card?.detail).toContain('ferritin reported as 50 ug/L, converted to 50 ng/mL');
});

test('the iron card suggests a complete IV ferric carboxymaltose draft order', async () => {
  const [card] = await call('patient-view--rls-low-ferritin.json');
  const action = card?.suggestions?.[0]?.actions[0];
  expect(action?.type).toBe('create');
  expect(action?.resource).toMatchObject({
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/rls-low-ferritin' },
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1435169' }],
    },
  });
  expect(card?.suggestions?.[0]?.isRecommended).toBe(true);
});

test('the iron studies card orders ferritin, iron, TIBC and TSAT as ServiceRequests', async () => {
  const [card] = await call('patient-view--rls-no-iron-studies.json');
  const codes = card?.suggestions?.[0]?.actions.map(
    (a) => (a.resource as { code?: { coding?: { code?: string }[] } }).code?.coding?.[0]?.code,
  );
  expect(codes).toEqual(['2276-4', '2498-4', '2500-7', '2502-3']);
});

test('cabergoline at order-select is critical and offers to delete the draft by resourceId', async () => {
  const [card] = await call('order-select--cabergoline.json');
  expect(card?.indicator).toBe('critical');
  expect(card?.suggestions?.[0]?.actions).toEqual([
    expect.objectContaining({ type: 'delete', resourceId: 'MedicationRequest/draft-cabergoline' }),
  ]);
  expect(card?.overrideReasons?.map((r) => r.code)).toContain('non-rls-indication');
  expect(card?.overrideReasons?.[0]?.system).toBe(`${BASE_URL}/override-reasons`);
});

test('cabergoline ordered for hyperprolactinemia is downgraded to info', async () => {
  const [card] = await call('order-select--cabergoline-for-hyperprolactinemia.json');
  expect(card?.indicator).toBe('info');
  expect(card?.summary).toMatch(/non-RLS indication/);
});

test('every card names its rule in source.topic with the public base URL', async () => {
  const [card] = await call('patient-view--rls-esrd.json');
  expect(card?.source.topic).toEqual({
    system: `${BASE_URL}/rules`,
    code: 'esrd-iron-not-optimized',
    display: 'Iron not optimized in ESRD',
  });
});
