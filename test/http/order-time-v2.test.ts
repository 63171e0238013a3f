import { readFileSync } from 'node:fs';
import request from 'supertest';
import { BASE_URL, FIXTURES_DIR, testApp } from '../helpers/app.js';
import { cardProblems, deleteTargetProblems } from '../helpers/cards.js';
import type { Card } from '../../src/protocol/types.js';

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
  for (const card of cards) {
    expect(cardProblems(card, BASE_URL)).toEqual([]);
    expect(deleteTargetProblems(card, body)).toEqual([]);
  }
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

function ids(cards: Card[]): string[] {
  return cards.map((c) => c.source.topic.code);
}

describe('the regimen a prescriber is really creating', () => {
  test('an extra 5 pm pramipexole dose on top of 0.25 mg at bedtime is a dose increase', async () => {
    const c = await card(
      'extra-5pm-pramipexole-dose-is-an-increase--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(c.detail).toContain('current: Mirapex 0.25 mg tablet: 0.25 mg/day since 2026-05-11 (at bedtime)');
    expect(c.detail).toContain('(at 17:00) is added to the current order (another time of day)');
    expect(c.detail).toContain(
      'dopamine agonists: 0.25 mg/day pramipexole-equivalent now, 0.5 mg/day pramipexole-equivalent with the draft orders',
    );
    expect(c.suggestions?.[0]?.actions[0]).toMatchObject({
      type: 'delete',
      resourceId: 'MedicationRequest/draft-pramipexole-025-5pm',
    });
  });

  test('a pramipexole sig split over the day (0.125 mg at 5 pm and 0.25 mg at bedtime) is read as 0.375 mg/day and replaces the bedtime order: a dose increase', async () => {
    const c = await card(
      'pramipexole-split-sig-5pm-and-bedtime--order-select.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(c.detail).toContain('read from the sig text: 0.125 mg at 17:00 + 0.25 mg bedtime = 0.375 mg/day');
    expect(c.detail).toContain('replaces MedicationRequest/rls-mirapex-bedtime-pramipexole-025');
    expect(c.detail).toContain(
      'dopamine agonists: 0.25 mg/day pramipexole-equivalent now, 0.375 mg/day pramipexole-equivalent with the draft orders',
    );
    expect(c.detail).not.toContain('could not be read');
  });

  test('the same split sig with "then increase" on top is not summed: the card asks for a check by hand', async () => {
    const c = await card(
      'pramipexole-split-sig-with-titration-unread--order-select.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('warning');
    expect(c.detail).toContain('several amounts over a schedule of days');
  });

  test('a rotigotine step from 2 to 3 mg/24 h written as mg/(24.h) is a dose increase', async () => {
    const c = await card(
      'neupro-step-from-2-to-3-mg-per-24-h--order-select.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(c.detail).toContain(
      'dopamine agonists: 0.6 mg/day pramipexole-equivalent now, 0.9 mg/day pramipexole-equivalent with the draft orders',
    );
    expect(c.detail).toContain('3 mg/(24.h) (mg per 24 h) per day');
  });

  test('renewing the 2 mg/24 h patch coded by its hourly rate (0.0833 mg/h) is the same dose, not an increase', async () => {
    expect(ids(await cardsOf('neupro-renewal-written-as-hourly-rate--order-sign.json'))).toEqual([]);
  });

  test('a dose doubling after the last prescription was marked completed is an increase, not a new start', async () => {
    const cards = await cardsOf('pramipexole-doubled-after-completed-order--order-sign.json');
    expect(ids(cards)).toEqual(['dopamine-agonist-dose-increase']);
    const c = cards[0];
    expect(c?.detail).toContain(
      'completed order still current: supply to 2026-12-16 (expected supply of 30 days × 3 fills = 90 days) plus 7 days',
    );
    expect(c?.detail).toContain('MedicationRequest/rls-pramipexole-completed-order-pramipexole-025');
    expect(c?.detail).toContain('(same time of day: bedtime)');
  });

  test('a completed order authored exactly 90 days ago still counts as current therapy', async () => {
    const c = await card(
      'pramipexole-completed-exactly-90-days-ago--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.detail).toContain(
      'completed order still current: authored 2026-08-03, 90 days ago (within 90 days)',
    );
  });

  test('a completed order whose supply ran out more than 7 days ago is not current therapy: the draft is a new start', async () => {
    expect(ids(await cardsOf('pramipexole-after-supply-ran-out--order-sign.json'))).toEqual([
      'dopamine-agonist-new-start',
    ]);
  });

  test('a text-only "Mirapex 0.5 mg tablet, one tablet at bedtime" is read and caught as a dose increase', async () => {
    const c = await card(
      'mirapex-text-only-one-tablet-at-bedtime--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(c.detail).toContain(
      'Mirapex 0.5 mg tablet: 0.5 mg/day read from the product strength and the sig text (no structured dose): 1 × 0.5 mg (text "Mirapex 0.5 mg tablet"), at bedtime',
    );
  });

  test('a pramipexole increase written as {value: 1, code: "{pill}"} of a 0.5 mg product is read as 0.5 mg', async () => {
    const c = await card(
      'pramipexole-pill-dose-of-05-mg-product--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.detail).toContain('0.5 mg/day from the structured dose: 1 × 0.5 mg (RxNorm 859044)');
    expect(c.detail).toContain('0.5 mg/day pramipexole-equivalent with the draft orders');
  });

  test('a same-time lower pramipexole dose is a taper and fires nothing', async () => {
    expect(ids(await cardsOf('pramipexole-bedtime-taper--order-sign.json'))).toEqual([]);
  });

  test('an unreadable pramipexole draft on top of active pramipexole fires a warning to check the dose by hand', async () => {
    const c = await card(
      'pramipexole-dose-unreadable-on-active-agonist--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('warning');
    expect(c.summary).toMatch(/^Check the pramipexole dose by hand/);
    expect(c.detail).toContain(
      'pramipexole tablet: the daily dose could not be read (no dose in the sig text); check it by hand',
    );
    expect(c.suggestions ?? []).toEqual([]);
  });

  test('levodopa added to active pramipexole is a second dopaminergic drug, and not a levodopa new start', async () => {
    const cards = await cardsOf('sinemet-added-to-pramipexole--order-sign.json');
    expect(ids(cards)).toEqual(['dopamine-agonist-dose-increase']);
    expect(cards[0]?.detail).toContain('is added to the current dopaminergic therapy');
    expect(cards[0]?.detail).toContain(
      'levodopa: 0 mg/day levodopa now, 100 mg/day levodopa with the draft orders',
    );
  });
});

describe('levodopa new start', () => {
  test('daily levodopa for a patient on no dopaminergic drug is a warning offering gabapentin in its place', async () => {
    const c = await card('levodopa-new-start-daily--order-sign.json', 'levodopa-new-start');
    expect(c.indicator).toBe('warning');
    expect(c.suggestions?.[0]?.actions.map((a) => a.type)).toEqual(['delete', 'create']);
  });

  test('levodopa as needed for travel is info, with no replacement pushed', async () => {
    const c = await card('levodopa-as-needed-for-travel--order-sign.json', 'levodopa-new-start');
    expect(c.indicator).toBe('info');
    expect(c.summary).toMatch(/^Levodopa as needed/);
    expect(c.suggestions ?? []).toEqual([]);
  });
});

describe('augmentation suggestion fits what the patient already takes', () => {
  test('a patient already on gabapentin 1800 mg/day is not told to add gabapentin 300 mg TID', async () => {
    const c = await card('rls-augmentation-on-gabapentin-1800--patient-view.json', 'augmentation-suspected');
    const labels = (c.suggestions ?? []).map((x) => x.label);
    expect(labels.filter((l) => /gabapentin/i.test(l))).toEqual([]);
    expect(labels).toEqual([
      'Add extended-release oxycodone 10 mg at bedtime (after the opioid safety checks)',
    ]);
    expect(c.detail).toContain(
      'Neurontin 600 mg tablet: 1800 mg/day read from the product strength and the sig text (no structured dose)',
    );
  });

  test('a patient on gabapentin 900 mg/day is told to titrate it, with no second gabapentin order', async () => {
    const c = await card('rls-augmentation-gabapentin-900--patient-view.json', 'augmentation-suspected');
    expect(c.summary).toContain('titrate gabapentin 900 mg/day');
    expect(c.suggestions ?? []).toEqual([]);
  });

  test('with untreated sleep apnea no opioid draft is offered and the card names the gate', async () => {
    const c = await card('rls-augmentation-untreated-osa--patient-view.json', 'augmentation-suspected');
    expect(c.summary).toContain('no opioid offered (untreated sleep apnea)');
    expect(c.detail).toContain('opioid not offered: sleep apnea without treatment on record');
    expect(c.suggestions ?? []).toEqual([]);
  });

  test('a patient on no alpha-2-delta ligand is offered gabapentin 300 mg three times a day', async () => {
    const c = await card('rls-levodopa-augmentation--patient-view.json', 'augmentation-suspected');
    expect(c.suggestions?.map((x) => x.label)).toEqual(['Add gabapentin first: 300 mg three times a day']);
  });

  test('severe augmentation (IRLS 22) on no alpha-2-delta ligand offers an opioid first, and gabapentin', async () => {
    const c = await card('rls-irls-rising--patient-view.json', 'augmentation-suspected');
    expect(c.summary).toContain('(IRLS 22)');
    expect(c.suggestions?.map((x) => x.label)).toEqual([
      'Add extended-release oxycodone 10 mg at bedtime (after the opioid safety checks)',
      'Add gabapentin first: 300 mg three times a day',
    ]);
  });

  test('augmentation on levodopa is recognised and the card says no taper schedule is computed for it', async () => {
    const c = await card('rls-levodopa-augmentation--patient-view.json', 'augmentation-suspected');
    expect(c.detail).toContain('active: Sinemet 25/100 tablet: 100 mg/day');
    expect(c.detail).toContain('no taper schedule is computed for levodopa');
  });

  test('two agonists summed above 0.5 mg pramipexole-equivalent are a sign of augmentation', async () => {
    const c = await card('rls-two-agonists-summed--patient-view.json', 'augmentation-suspected');
    expect(c.detail).toContain(
      'pramipexole + ropinirole together: 0.65 mg/day pramipexole-equivalent, above the RLS maximum of 0.5 mg/day pramipexole',
    );
  });

  test('an augmentation assessment recorded as "Absent" is no finding', async () => {
    expect(ids(await cardsOf('rls-augmentation-absent--patient-view.json'))).toEqual([
      'dopamine-agonist-review',
    ]);
  });
});

describe('drugs that worsen RLS, by brand and OTC name', () => {
  test('Reglan and Benadryl drafts give one warning listing both, with delete offered but not recommended', async () => {
    const cards = await cardsOf('reglan-and-benadryl-ordered--order-sign.json');
    expect(ids(cards)).toEqual(['exacerbating-drug-order']);
    const c = cards[0];
    expect(c?.summary).toContain('(metoclopramide, diphenhydramine)');
    expect(c?.detail).toContain('draft order, dopamine antagonist: Reglan 10 mg tablet');
    expect(c?.detail).toContain('draft order, sedating antihistamine: Benadryl 25 mg capsule');
    expect(c?.suggestions?.map((x) => x.isRecommended ?? false)).toEqual([false, false]);
  });

  test('an active Reglan order and a reported ZzzQuil are exacerbating factors at patient-view', async () => {
    const c = await card('rls-brand-name-exacerbators--patient-view.json', 'exacerbating-factors');
    expect(c.detail).toContain('Reglan 10 mg tablet');
    expect(c.detail).toContain('ZzzQuil nighttime sleep aid LiquiCaps');
  });
});

describe('completed orders when the chart opens (patient-view), counted as at order time', () => {
  test('a pramipexole order completed 30 days ago, no supply stated, is current therapy: the review card names the completed order and why it counts', async () => {
    const c = await card(
      'chart-opens-on-pramipexole-completed-30-days-ago--patient-view.json',
      'dopamine-agonist-review',
    );
    expect(c.detail).toContain(
      'completed order still current: authored 2026-10-02, 30 days ago (within 90 days): pramipexole 0.25 mg tablet: 0.25 mg/day since 2026-10-02 (at bedtime) (MedicationRequest/rls-pramipexole-completed-30-days-pramipexole-025)',
    );
    expect(c.detail).not.toContain('active: pramipexole');
  });

  test('a completed order whose supply still lasts is current therapy, and the card gives the supply end', async () => {
    const c = await card(
      'chart-opens-while-a-completed-pramipexole-supply-lasts--patient-view.json',
      'dopamine-agonist-review',
    );
    expect(c.detail).toContain(
      'completed order still current: supply to 2026-12-16 (expected supply of 30 days × 3 fills = 90 days) plus 7 days',
    );
    expect(c.detail).toContain('MedicationRequest/rls-pramipexole-completed-order-pramipexole-025');
  });

  test.each([
    [
      'authored 91 days ago, no supply stated',
      'chart-opens-on-pramipexole-completed-91-days-ago--patient-view.json',
    ],
    [
      'whose 30-day supply ended 10 days ago (beyond the 7-day grace)',
      'chart-opens-10-days-after-a-completed-pramipexole-supply-ran-out--patient-view.json',
    ],
    [
      'whose 30-day supply ended 31 days ago',
      'chart-opens-after-a-completed-pramipexole-supply-ran-out--patient-view.json',
    ],
  ])('a completed pramipexole order %s is not current therapy: no review card', async (_what, file) => {
    expect(ids(await cardsOf(file))).not.toContain('dopamine-agonist-review');
  });
});

describe('which draft a dose-increase card offers to remove', () => {
  const deletes = (c: Card): (string | undefined)[] =>
    (c.suggestions ?? []).flatMap((s) =>
      s.actions.filter((a) => a.type === 'delete').map((a) => a.resourceId),
    );

  test('order-select on a bedtime taper while an extra 5 pm dose is drafted: the card names the unselected 5 pm draft and offers to remove it, never the taper', async () => {
    const c = await card(
      'taper-selected-with-extra-5pm-dose-drafted--order-select.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(deletes(c)).toEqual(['MedicationRequest/draft-pramipexole-025-5pm']);
    expect(c.suggestions?.[0]?.label).toBe('Remove the draft order: Mirapex 0.25 mg tablet (at 17:00)');
    expect(c.detail).toContain(
      'dopamine agonists: 0.25 mg/day pramipexole-equivalent now, 0.375 mg/day pramipexole-equivalent with the draft orders',
    );
    expect(c.detail).toMatch(
      /draft not selected yet: Mirapex 0\.25 mg tablet: 0\.25 mg\/day.* \(at 17:00\) is added to the current order \(another time of day\)/,
    );
    expect(c.detail).toContain(
      'the dose is raised by Mirapex 0.25 mg tablet (at 17:00) (MedicationRequest/draft-pramipexole-025-5pm), drafted but not selected yet: the draft to remove',
    );
    expect(c.detail).toContain('(lowers the dose)');
  });

  test('order-select on the extra 5 pm dose itself, with the bedtime taper drafted: the selected 5 pm draft is the one to remove', async () => {
    const c = await card(
      'taper-drafted-with-extra-5pm-dose-selected--order-select.json',
      'dopamine-agonist-dose-increase',
    );
    expect(deletes(c)).toEqual(['MedicationRequest/draft-pramipexole-025-5pm']);
    expect(c.detail).not.toContain('drafted but not selected yet: the draft to remove');
  });

  test('order-sign with the bedtime taper and the extra 5 pm dose: only the 5 pm draft, which raises the dose, is offered for removal', async () => {
    const c = await card(
      'taper-selected-with-extra-5pm-dose-drafted--order-sign.json',
      'dopamine-agonist-dose-increase',
    );
    expect(c.indicator).toBe('critical');
    expect(deletes(c)).toEqual(['MedicationRequest/draft-pramipexole-025-5pm']);
    expect(c.detail).not.toContain('not selected');
  });
});

describe('a draft order sent without an id', () => {
  test('the cabergoline card still fires at order-sign, offers no delete it could not address, and says why', async () => {
    const body = JSON.parse(readFileSync(`${FIXTURES_DIR}requests/cabergoline--order-sign.json`, 'utf8')) as {
      context: { draftOrders: { entry: { resource: { id?: string } }[] } };
    };
    for (const entry of body.context.draftOrders.entry) delete entry.resource.id;
    const res = await request(app).post('/cds-services/rls-order-sign').send(body).expect(200);
    const cards = (res.body as { cards: Card[] }).cards;
    const c = cards.find((x) => x.source.topic.code === 'avoid-cabergoline');
    expect(c?.indicator).toBe('critical');
    for (const each of cards) {
      expect(cardProblems(each, BASE_URL)).toEqual([]);
      const deletes = (each.suggestions ?? [])
        .flatMap((s) => s.actions ?? [])
        .filter((a) => a.type === 'delete');
      expect(deletes).toEqual([]);
    }
    expect(c?.detail).toContain('the draft order was sent without an id');
  });
});
