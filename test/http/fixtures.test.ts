import type { MedicationRequest } from 'fhir/r4.js';
import request from 'supertest';
import { BASE_URL, fixtureStore, testApp } from '../helpers/app.js';
import { cardProblems } from '../helpers/cards.js';
import { draftOrder, orderRequest, patientViewRequest } from '../../scripts/fixtures/requests.js';
import type { Card } from '../../src/protocol/types.js';

const app = testApp();
const store = fixtureStore();
const SERVICE = {
  'patient-view': 'rls-patient-view',
  'order-select': 'rls-order-select',
  'order-sign': 'rls-order-sign',
};

async function send(body: Record<string, unknown>): Promise<Card[]> {
  const service = SERVICE[body.hook as keyof typeof SERVICE];
  const res = await request(app).post(`/cds-services/${service}`).send(body).expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  for (const card of cards) expect(cardProblems(card, BASE_URL)).toEqual([]);
  return cards;
}

function pv(patientId: string): Promise<Card[]> {
  return send(patientViewRequest(store, patientId));
}

function cabergoline(reasonText?: string): MedicationRequest {
  return draftOrder({
    id: 'draft-cabergoline',
    patientId: 'rls-good-iron',
    rxcui: '199703',
    display: 'cabergoline 0.5 MG Oral Tablet',
    doseMg: 0.5,
    timingCode: 'QD',
    ...(reasonText ? { reasonText } : {}),
  });
}

test('ferritin of exactly 75 ng/mL shows the value and date on the iron card', async () => {
  const [card] = await pv('rls-ferritin-75');
  expect(card?.summary).toContain('ferritin 75 ng/mL');
  expect(card?.detail).toContain('ferritin 75 ng/mL on 2026-09-20');
  expect(card?.indicator).toBe('warning');
});

test('a ferritin from 13 months ago counts as missing and the card says how old it was', async () => {
  const [card] = await pv('rls-stale-ferritin');
  expect(card?.source.topic.code).toBe('iron-studies-due');
  expect(card?.detail).toContain('no ferritin in the last 12 months (last: ferritin 40 ng/mL on 2025-10-01');
});

test('a TSAT computed from iron and TIBC is shown with how it was computed', async () => {
  const [card] = await pv('rls-computed-tsat');
  expect(card?.summary).toContain('TSAT 12.5 %');
  expect(card?.detail).toContain('TSAT computed as serum iron 50 ug/dL / TIBC 400 ug/dL × 100');
});

test('a ferritin in ug/L is read as ng/mL and the card says it was converted', async () => {
  const [card] = await pv('rls-ferritin-ugl');
  expect(card?.summary).toContain('ferritin 50 ng/mL');
  expect(card?.detail).toContain('ferritin reported as 50 ug/L, converted to 50 ng/mL');
});

test('the iron card suggests a complete IV ferric carboxymaltose draft order', async () => {
  const card = (await pv('rls-low-ferritin')).find((c) => c.source.topic.code === 'iron-not-optimized');
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
  const [card] = await pv('rls-no-iron-studies');
  const codes = card?.suggestions?.[0]?.actions.map(
    (a) => (a.resource as { code?: { coding?: { code?: string }[] } }).code?.coding?.[0]?.code,
  );
  expect(codes).toEqual(['2276-4', '2498-4', '2500-7', '2502-3']);
});

test('cabergoline at order-select is critical and offers to delete the draft by resourceId', async () => {
  const [card] = await send(orderRequest(store, 'order-select', 'rls-good-iron', [cabergoline()]));
  expect(card?.indicator).toBe('critical');
  expect(card?.suggestions?.[0]?.actions).toEqual([
    expect.objectContaining({ type: 'delete', resourceId: 'MedicationRequest/draft-cabergoline' }),
  ]);
  expect(card?.overrideReasons?.map((r) => r.code)).toContain('non-rls-indication');
  expect(card?.overrideReasons?.[0]?.system).toBe(`${BASE_URL}/override-reasons`);
});

test('cabergoline ordered for hyperprolactinemia is downgraded to info', async () => {
  const [card] = await send(
    orderRequest(store, 'order-select', 'rls-good-iron', [cabergoline('Hyperprolactinemia')]),
  );
  expect(card?.indicator).toBe('info');
  expect(card?.summary).toMatch(/non-RLS indication/);
});

test('every card names its rule in source.topic with the public base URL', async () => {
  const [card] = await pv('rls-esrd');
  expect(card?.source.topic).toEqual({
    system: `${BASE_URL}/rules`,
    code: 'esrd-iron-not-optimized',
    display: 'Iron not optimized in ESRD',
  });
});

test('the augmentation card for a patient on pramipexole 0.75 mg/day shows a week-by-week taper to zero', async () => {
  const card = (await pv('rls-pramipexole-075')).find(
    (c) => c.source.topic.code === 'augmentation-suspected',
  );
  expect(card?.indicator).toBe('warning');
  expect(card?.detail).toContain('| weeks 1-2 | 0.75 mg/day | 0.75 mg |');
  expect(card?.detail).toContain('| weeks 3-4 | 0.625 mg/day | 0.625 mg |');
  expect(card?.detail).toContain('| weeks 11-12 | 0.125 mg/day | 0.125 mg |');
  expect(card?.detail).toContain('| week 13 | stop | 0 mg |');
  expect(card?.detail).toContain('pramipexole 0.75 mg/day is above the RLS maximum of 0.5 mg/day');
});

function agonistDraft(
  id: string,
  rxcui: string,
  display: string,
  doseMg: number,
  timingCode: string,
): MedicationRequest {
  return draftOrder({ id, patientId: 'rls-on-pramipexole-025', rxcui, display, doseMg, timingCode });
}

test('switching pramipexole 0.25 mg/day to ropinirole 2 mg/day is caught as a dose increase', async () => {
  const draft = agonistDraft('draft-ropinirole', '314208', 'ropinirole 1 MG Oral Tablet', 1, 'BID');
  const cards = await send(orderRequest(store, 'order-sign', 'rls-on-pramipexole-025', [draft]));
  const card = cards.find((c) => c.source.topic.code === 'dopamine-agonist-dose-increase');
  expect(card?.indicator).toBe('critical');
  expect(card?.summary).toMatch(/^Do not raise the ropinirole dose/);
  expect(card?.detail).toContain('0.4 mg/day pramipexole-equivalent (ropinirole 2 mg/day × 0.2)');
  expect(card?.suggestions?.[0]?.actions[0]).toMatchObject({
    type: 'delete',
    resourceId: 'MedicationRequest/draft-ropinirole',
  });
});

test('renewing pramipexole at the same 0.25 mg/day is not a dose increase', async () => {
  const draft = agonistDraft('draft-pramipexole', '859040', 'pramipexole 0.25 MG Oral Tablet', 0.25, 'QHS');
  const cards = await send(orderRequest(store, 'order-select', 'rls-on-pramipexole-025', [draft]));
  expect(cards.map((c) => c.source.topic.code)).not.toContain('dopamine-agonist-dose-increase');
});
