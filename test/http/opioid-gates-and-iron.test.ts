import type { FhirResource, MedicationRequest } from 'fhir/r4.js';
import request from 'supertest';
import { FIXTURES_DIR, fixtureStore, testApp } from '../helpers/app.js';
import { loadCases } from '../../scripts/fixtures/cases.js';
import { allFixtureRequests } from '../../scripts/fixtures/requests.js';
import type { Card } from '../../src/protocol/types.js';

// Content checks on the catalog v2 safety cases of the case table (the case table itself checks which
// cards come back): what each card offers, and what it says, for the opioid-gate and iron patients.
const requests = allFixtureRequests(fixtureStore(), loadCases(`${FIXTURES_DIR}cases.yaml`));
const app = testApp();
const SERVICE: Record<string, string> = {
  'patient-view': 'rls-patient-view',
  'order-select': 'rls-order-select',
  'order-sign': 'rls-order-sign',
};

async function cardsOf(file: string): Promise<Card[]> {
  const body = requests[file];
  if (!body) throw new Error(`no fixture request ${file}`);
  const res = await request(app)
    .post(`/cds-services/${SERVICE[body.hook as string] ?? ''}`)
    .send(body)
    .expect(200);
  return (res.body as { cards: Card[] }).cards;
}

function card(cards: readonly Card[], ruleId: string): Card {
  const found = cards.find((c) => c.source.topic.code === ruleId);
  if (!found) throw new Error(`no ${ruleId} card among ${cards.map((c) => c.source.topic.code).join(', ')}`);
  return found;
}

function created(cards: readonly Card[]): FhirResource[] {
  return cards.flatMap((c) =>
    (c.suggestions ?? []).flatMap((s) =>
      s.actions.filter((a) => a.type === 'create' && a.resource).map((a) => a.resource as FhirResource),
    ),
  );
}

function drugText(r: FhirResource): string {
  return r.resourceType === 'MedicationRequest' ? (r.medicationCodeableConcept?.text ?? '') : '';
}

const opioidOrders = (cards: readonly Card[]): string[] =>
  created(cards)
    .map(drugText)
    .filter((t) => /oxycodone|methadone|buprenorphine/i.test(t));

const ivIronOrders = (cards: readonly Card[]): string[] =>
  created(cards)
    .map(drugText)
    .filter((t) => /carboxymaltose|iron sucrose/i.test(t));

describe('opioid gates: no one-click opioid order where a gate applies', () => {
  test('a one-click ER oxycodone order is not offered to a patient with opioid use disorder in remission', async () => {
    const cards = await cardsOf(
      'er-oxycodone-not-offered-with-opioid-use-disorder-in-remission--patient-view.json',
    );
    const refractory = card(cards, 'refractory-next-step');
    expect(opioidOrders(cards)).toEqual([]);
    expect(refractory.summary).toMatch(/no opioid offered \(opioid use disorder\)/);
    expect(refractory.detail).toContain('Opioid dependence, in remission (recorded 2015-08-20)');
    expect(refractory.detail).toMatch(/peroneal nerve stimulation/);
  });

  test('a one-click ER oxycodone order is not offered to a patient with untreated sleep apnea, unspecified (G47.30)', async () => {
    const cards = await cardsOf(
      'er-oxycodone-not-offered-with-untreated-sleep-apnea-g47-30--patient-view.json',
    );
    expect(opioidOrders(cards)).toEqual([]);
    const factors = card(cards, 'exacerbating-factors');
    expect(factors.detail).toContain('Sleep apnea, unspecified');
    expect(factors.detail).toMatch(/no PAP, oral appliance or other treatment on record/);
  });

  test('a one-click ER oxycodone order is not offered to a pregnant patient (Z34.02)', async () => {
    const cards = await cardsOf('er-oxycodone-not-offered-in-pregnancy-z34--patient-view.json');
    expect(opioidOrders(cards)).toEqual([]);
    const refractory = card(cards, 'refractory-next-step');
    expect(refractory.summary).toMatch(/pregnancy/);
    expect(refractory.detail).toMatch(/supervision of normal first pregnancy/);
    expect(refractory.detail).toMatch(/obstetrics/);
  });

  test('without a gate and with IRLS 11, the ER oxycodone 10 mg at bedtime order is offered', async () => {
    const cards = await cardsOf('irls-11-after-an-adequate-trial-is-refractory--patient-view.json');
    expect(opioidOrders(cards)).toEqual(['oxycodone 10 mg abuse-deterrent 12 HR ER tablet']);
    expect(card(cards, 'refractory-next-step').detail).toMatch(/latest IRLS 11 on 2026-10-12/);
  });

  test('with no IRLS on record the refractory card says control could not be judged', async () => {
    const cards = await cardsOf('rls-on-pramipexole-025--patient-view.json');
    const refractory = card(cards, 'refractory-next-step');
    expect(refractory.summary).toMatch(/control could not be judged/);
    expect(refractory.detail).toMatch(/no IRLS score in the last 6 months/);
  });
});

describe('opioid safety checks and the starting dose', () => {
  test('an 80 mg/day oxycodone start in an opioid-naive patient names the failed checks and offers the starting dose', async () => {
    const cards = await cardsOf(
      'oxycodone-80-mg-a-day-in-an-opioid-naive-patient-is-not-safety-checks-met--order-sign.json',
    );
    const checks = card(cards, 'opioid-safety-checks');
    expect(checks.summary).not.toMatch(/checks met/);
    expect(checks.summary).toMatch(/no risk screen, no bowel regimen/);
    expect(checks.summary).not.toMatch(/sleep apnea/);
    const dose = card(cards, 'opioid-dose-above-start');
    expect(dose.summary).toMatch(/80 mg\/day/);
    expect(dose.summary).toMatch(/at most 10 mg\/day/);
    const replace = dose.suggestions?.[0];
    expect(replace?.actions.map((a) => a.type)).toEqual(['delete', 'create']);
    expect(replace?.actions[0]?.resourceId).toBe('MedicationRequest/draft-oxycontin-40-bid');
    const order = replace?.actions[1]?.resource as MedicationRequest | undefined;
    expect(order?.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity?.value).toBe(10);
  });

  test('a text-only ER oxycodone 20 mg every 12 hours is read as 40 mg/day from the product text and the sig', async () => {
    const cards = await cardsOf(
      'a-text-only-er-oxycodone-20-mg-every-12-hours-is-above-the-start--order-select.json',
    );
    expect(card(cards, 'opioid-dose-above-start').summary).toMatch(/40 mg\/day ordered/);
  });

  test('with remitted opioid use disorder the checks are critical, name the disorder, and no starting-dose order is offered', async () => {
    const cards = await cardsOf(
      'oxycodone-for-rls-with-remitted-opioid-use-disorder-is-critical--order-select.json',
    );
    const checks = card(cards, 'opioid-safety-checks');
    expect(checks.indicator).toBe('critical');
    expect(checks.summary).toMatch(/opioid use disorder/);
    const dose = card(cards, 'opioid-dose-above-start');
    expect(dose.suggestions ?? []).toEqual([]);
    expect(dose.detail).toMatch(/opioid not offered: opioid use disorder \(in remission\)/);
  });

  test('a pregnant patient fails the opioid safety checks with "involve obstetrics"', async () => {
    const cards = await cardsOf('opioid-draft-in-pregnancy-fails-the-safety-checks--order-sign.json');
    expect(card(cards, 'opioid-safety-checks').summary).toMatch(/pregnancy \(involve obstetrics\)/);
  });

  test('buprenorphine for opioid use disorder is information only and offers nothing', async () => {
    const cards = await cardsOf(
      'buprenorphine-for-opioid-use-disorder-is-not-rls-escalation--order-sign.json',
    );
    const checks = card(cards, 'opioid-safety-checks');
    expect(checks.indicator).toBe('info');
    expect(checks.summary).toMatch(/treats opioid use disorder/);
    expect(checks.suggestions ?? []).toEqual([]);
  });
});

describe('iron after an infusion and the IV iron upper bounds', () => {
  test('a repeat iron infusion is not recommended from labs drawn before last month’s infusion', async () => {
    const cards = await cardsOf(
      'repeat-iron-infusion-not-recommended-from-labs-drawn-before-last-months-infusion--patient-view.json',
    );
    expect(cards).toEqual([]);
  });

  test('6 weeks after the infusion the recheck card names the infusion and its date and orders the iron panel only', async () => {
    const cards = await cardsOf('iron-recheck-due-exactly-6-weeks-after-an-infusion--patient-view.json');
    const recheck = card(cards, 'iron-recheck-after-infusion');
    expect(recheck.summary).toMatch(/IV iron was given on 2026-09-20 \(6 weeks ago\)/);
    expect(recheck.detail).toContain('ferric carboxymaltose 750 mg/15 mL injection');
    expect(recheck.detail).toMatch(
      /ferritin 41 ng\/mL on 2026-09-08 was drawn before the IV iron dose of 2026-09-20/,
    );
    expect(ivIronOrders(cards)).toEqual([]);
    expect(created(cards).map((r) => r.resourceType)).toEqual([
      'ServiceRequest',
      'ServiceRequest',
      'ServiceRequest',
      'ServiceRequest',
    ]);
  });

  test('an opioid ordered 24 days after an infusion is told to wait for the recheck, with no iron order offered', async () => {
    const cards = await cardsOf(
      'an-opioid-within-6-weeks-of-an-infusion-waits-for-the-iron-recheck--order-sign.json',
    );
    const iron = card(cards, 'opioid-before-iron');
    expect(iron.summary).toMatch(/the iron results predate the IV iron dose of 2026-10-08/);
    expect(iron.suggestions ?? []).toEqual([]);
    expect(iron.detail).toMatch(/under 6 weeks ago, so no more iron is suggested/);
  });

  test('TSAT exactly 45 % gets the iron panel instead of IV iron, and the card says to rule out overload', async () => {
    const cards = await cardsOf('tsat-45-percent-gets-no-iv-iron-draft--patient-view.json');
    expect(ivIronOrders(cards)).toEqual([]);
    expect(card(cards, 'iron-not-optimized').summary).toMatch(/Rule out iron overload or inflammation/);
  });

  test('TSAT 44.9 % still gets the IV ferric carboxymaltose draft', async () => {
    const cards = await cardsOf('tsat-44-9-percent-still-gets-the-iv-iron-draft--patient-view.json');
    expect(ivIronOrders(cards)).toEqual(['ferric carboxymaltose 750 mg/15 mL injection']);
  });

  test('ferritin exactly 300 ng/mL gets no IV iron draft', async () => {
    const cards = await cardsOf('ferritin-300-gets-no-iv-iron-draft--patient-view.json');
    expect(ivIronOrders(cards)).toEqual([]);
    expect(card(cards, 'iron-not-optimized').detail).toMatch(
      /ferritin 300 ng\/mL on 2026-10-13 is at or above 300 ng\/mL/,
    );
  });

  test('a molar ferritin is converted with the factor shown, and iron/TIBC minutes apart give a TSAT', async () => {
    const cards = await cardsOf(
      'text-only-rls-with-molar-ferritin-and-iron-tibc-minutes-apart--patient-view.json',
    );
    const iron = card(cards, 'iron-not-optimized');
    expect(iron.detail).toMatch(
      /ferritin reported as 112 pmol\/L, converted to 49\.844 ng\/mL \(pmol\/L ÷ 2\.247\)/,
    );
    expect(iron.detail).toMatch(/drawn 13 minutes apart the same day/);
    expect(iron.summary).toMatch(/TSAT 10\.3 %/);
  });
});

describe('indications from the problem list', () => {
  test('bupropion with depression on the problem list: info, and removing the draft is not recommended', async () => {
    const cards = await cardsOf(
      'bupropion-for-depression-on-the-problem-list-is-information-only--order-sign.json',
    );
    const bupropion = card(cards, 'avoid-bupropion');
    expect(bupropion.indicator).toBe('info');
    expect(bupropion.summary).toMatch(/depression on the problem list/);
    expect(bupropion.suggestions?.[0]?.isRecommended).toBeUndefined();
  });

  test('valproate in pregnancy is critical, and with migraine on the list removal is offered but not recommended', async () => {
    const cards = await cardsOf('valproate-in-pregnancy-is-critical-even-with-migraine--order-select.json');
    const valproate = card(cards, 'avoid-valproate');
    expect(valproate.indicator).toBe('critical');
    expect(valproate.suggestions?.[0]?.actions[0]?.type).toBe('delete');
    expect(valproate.suggestions?.[0]?.isRecommended).toBeUndefined();
  });

  test('cabergoline without any indication still recommends removing the draft', async () => {
    const cards = await cardsOf('cabergoline-with-parkinson-disease-stays-critical--order-select.json');
    expect(card(cards, 'avoid-cabergoline').suggestions?.[0]?.isRecommended).toBe(true);
  });
});
