/**
 * Tolerant where real EHRs deviate, strict where it matters: a request
 * without context.userId is evaluated and the deviation logged; anything
 * else malformed is still a 400 naming the field. CDS Hooks 1.0
 * medication-prescribe is answered by rls-medication-prescribe with the
 * order-select rules.
 */
import type { MedicationRequest } from 'fhir/r4.js';
import request from 'supertest';
import type { Card } from '../../src/protocol/types.js';
import {
  draftOrder,
  orderRequest,
  patientViewRequest,
  prefetchFor,
} from '../../scripts/fixtures/requests.js';
import { fixtureStore } from '../helpers/app.js';
import { ruleIds } from '../helpers/cards.js';
import { harness } from '../ops/harness.js';

const store = fixtureStore();

function withoutUserId(body: Record<string, unknown>): Record<string, unknown> {
  const { userId: _dropped, ...context } = body.context as Record<string, unknown>;
  return { ...body, context };
}

function diagnostics(res: request.Response): string {
  return (res.body as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics ?? '';
}

const cabergoline = (patientId: string, id = 'draft-cabergoline'): MedicationRequest =>
  draftOrder({
    id,
    patientId,
    rxcui: '199703',
    display: 'cabergoline 0.5 MG Oral Tablet',
    doseMg: 0.5,
    timingCode: 'QD',
  });

/** A CDS Hooks 1.0 medication-prescribe request as the 1.0 specification writes it. */
function medicationPrescribe(
  patientId: string,
  drafts: readonly MedicationRequest[],
): Record<string, unknown> {
  return {
    hookInstance: '0b1e7b7e-1f0e-4c39-9a51-6b7e8f90aaaa',
    hook: 'medication-prescribe',
    context: {
      userId: 'Practitioner/demo-prescriber',
      patientId,
      medications: { resourceType: 'Bundle', entry: drafts.map((resource) => ({ resource })) },
    },
    prefetch: prefetchFor(store, 'rls-medication-prescribe', patientId),
  };
}

describe('context.userId', () => {
  test('a patient-view request without userId is evaluated like one with it, and the log names the deviation', async () => {
    const h = harness();
    const full = patientViewRequest(store, 'rls-low-ferritin');
    const withUser = await request(h.app).post('/cds-services/rls-patient-view').send(full).expect(200);
    const without = await request(h.app)
      .post('/cds-services/rls-patient-view')
      .send({ ...withoutUserId(full), hookInstance: 'a8f5f167-0e1c-4d4b-9c8f-3d0e9b6a0001' })
      .expect(200);
    const cards = (without.body as { cards: Card[] }).cards;
    expect(ruleIds(cards)).toContain('iron-not-optimized');
    expect(ruleIds(cards)).toEqual(ruleIds((withUser.body as { cards: Card[] }).cards));
    const lines = h.lines().filter((l) => l.msg === 'hook call');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.deviations).toBeUndefined();
    expect(lines[1]).toMatchObject({ status: 200, deviations: ['context.userId is missing'] });
    // The log never carries the patient id.
    expect(h.output()).not.toContain('rls-low-ferritin');
  });

  test('an order-sign request without userId still draws the cabergoline card', async () => {
    const body = withoutUserId(
      orderRequest(store, 'order-sign', 'rls-good-iron', [cabergoline('rls-good-iron')]),
    );
    const res = await request(harness().app).post('/cds-services/rls-order-sign').send(body).expect(200);
    expect(ruleIds((res.body as { cards: Card[] }).cards)).toContain('avoid-cabergoline');
  });

  test.each([
    ['an empty string', ''],
    ['a number', 42],
    ['null', null],
  ])(
    'a userId that is present but %s is still refused with 400 naming context.userId',
    async (_name, userId) => {
      const full = patientViewRequest(store, 'rls-low-ferritin');
      const res = await request(harness().app)
        .post('/cds-services/rls-patient-view')
        .send({ ...full, context: { ...(full.context as object), userId } })
        .expect(400);
      expect(diagnostics(res)).toMatch(/^context\.userId:/);
    },
  );

  test('a missing patientId or hookInstance is still 400 naming the field', async () => {
    const full = withoutUserId(patientViewRequest(store, 'rls-low-ferritin'));
    const noPatient = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send({ ...full, context: {} })
      .expect(400);
    expect(diagnostics(noPatient)).toMatch(/^context\.patientId:/);
    const { hookInstance: _h, ...noInstance } = full;
    const res = await request(harness().app)
      .post('/cds-services/rls-patient-view')
      .send(noInstance)
      .expect(400);
    expect(diagnostics(res)).toMatch(/^hookInstance:/);
  });
});

describe('CDS Hooks 1.0 medication-prescribe (rls-medication-prescribe)', () => {
  test('discovery lists it with the order-select prefetch', async () => {
    const res = await request(harness().app).get('/cds-services').expect(200);
    const services = (res.body as { services: { id: string; hook: string; prefetch: object }[] }).services;
    const prescribe = services.find((s) => s.id === 'rls-medication-prescribe');
    const select = services.find((s) => s.id === 'rls-order-select');
    expect(prescribe?.hook).toBe('medication-prescribe');
    expect(prescribe?.prefetch).toEqual(select?.prefetch);
  });

  test('a cabergoline prescription for a patient with RLS draws the same cards as order-select', async () => {
    const app = harness().app;
    const drafts = [cabergoline('rls-good-iron')];
    const prescribe = await request(app)
      .post('/cds-services/rls-medication-prescribe')
      .send(medicationPrescribe('rls-good-iron', drafts))
      .expect(200);
    const select = await request(app)
      .post('/cds-services/rls-order-select')
      .send(orderRequest(store, 'order-select', 'rls-good-iron', drafts))
      .expect(200);
    const cards = (prescribe.body as { cards: Card[] }).cards;
    expect(ruleIds(cards)).toContain('avoid-cabergoline');
    expect(ruleIds(cards)).toEqual(ruleIds((select.body as { cards: Card[] }).cards));
    const card = cards.find((c) => c.source.topic.code === 'avoid-cabergoline');
    expect(card?.suggestions?.[0]?.actions?.[0]).toMatchObject({
      type: 'delete',
      resourceId: 'MedicationRequest/draft-cabergoline',
    });
  });

  test('entries written as bare resources (as some 1.0 clients do) are read, and the log says so', async () => {
    const h = harness();
    const body = medicationPrescribe('rls-good-iron', []);
    const context = body.context as Record<string, unknown>;
    context.medications = { resourceType: 'Bundle', entry: [cabergoline('rls-good-iron')] };
    const res = await request(h.app).post('/cds-services/rls-medication-prescribe').send(body).expect(200);
    expect(ruleIds((res.body as { cards: Card[] }).cards)).toContain('avoid-cabergoline');
    expect(h.lines().find((l) => l.msg === 'hook call')?.deviations).toEqual([
      'context.medications: 1 entry is a resource, not a Bundle entry',
    ]);
  });

  test('without medications, or with another hook, it answers 400 naming the field', async () => {
    const app = harness().app;
    const body = medicationPrescribe('rls-good-iron', []);
    delete (body.context as Record<string, unknown>).medications;
    const res = await request(app).post('/cds-services/rls-medication-prescribe').send(body).expect(400);
    expect(diagnostics(res)).toMatch(/^context\.medications:/);
    const wrongHook = await request(app)
      .post('/cds-services/rls-medication-prescribe')
      .send(orderRequest(store, 'order-select', 'rls-good-iron', [cabergoline('rls-good-iron')]))
      .expect(400);
    expect(diagnostics(wrongHook)).toMatch(/^hook:/);
  });
});
