import { readFileSync } from 'node:fs';
import request from 'supertest';
import { BASE_URL, FIXTURES_DIR, testApp } from '../helpers/app.js';
import { cardProblems } from '../helpers/cards.js';
import type { Card } from '../../src/cds-hooks/types.js';

// Card content for the order-time, dose-reading and dopaminergic cases of the case table
// (fhir-fixtures/cases.yaml): the request is the committed fixture, sent over HTTP.
const app = testApp();
const SERVICE: Record<string, string> = {
  'patient-view': 'rls-patient-view',
  'order-select': 'rls-order-select',
  'order-sign': 'rls-order-sign',
};

async function cardsOf(file: string): Promise<Card[]> {
  const body = JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${file}`, 'utf8')) as { hook: string };
  const res = await request(app)
    .post(`/cds-services/${SERVICE[body.hook] ?? ''}`)
    .send(body)
    .expect(200);
  const cards = (res.body as { cards: Card[] }).cards;
  for (const card of cards) expect(cardProblems(card, BASE_URL)).toEqual([]);
  return cards;
}

async function card(file: string, ruleId: string): Promise<Card> {
  const found = (await cardsOf(file)).find((c) => c.source.topic.code === ruleId);
  if (!found) throw new Error(`no ${ruleId} card for ${file}`);
  return found;
}

describe('ESRD gabapentin dose read from the sig', () => {
  test('Neurontin 300 mg capsule, "1 capsule three times a day", is 900 mg/day and the card says it was read from the sig', async () => {
    const c = await card('esrd-neurontin-sig-three-times-a-day--order-sign.json', 'esrd-gabapentin-dose');
    expect(c.detail).toContain('900 mg/day read from the product strength and the sig text');
    expect(c.summary).toContain('reduce to 100 mg');
  });

  test('a gabapentin order whose dose cannot be read fires at warning saying it must be checked by hand', async () => {
    const c = await card('esrd-gabapentin-dose-unreadable--order-sign.json', 'esrd-gabapentin-dose');
    expect(c.indicator).toBe('warning');
    expect(c.summary).toContain('could not be read');
    expect(c.detail).toContain(
      'the daily dose could not be read (no dose in the sig text); check it by hand',
    );
  });
});
