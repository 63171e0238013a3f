/**
 * Another patient's record mixed into a call is ignored, whatever form its
 * subject reference takes: relative, absolute, versioned
 * (`Patient/other/_history/3`), or a `urn:uuid:` resolved within the
 * Bundle. The patient has RLS and no iron studies (so "iron studies due");
 * the other patient's low ferritin would turn that into "iron not optimized".
 * A draft order whose subject is another patient is not this patient's order.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, MedicationRequest, Observation, Patient } from 'fhir/r4.js';
import request from 'supertest';
import type { Card } from '../../src/cds-hooks/types.js';
import { patientIdOf, refersToOtherPatient } from '../../src/fhir/resources.js';
import { FIXTURES_DIR, fixtureStore, testApp } from '../helpers/app.js';
import { ruleIds } from '../helpers/cards.js';
import { lab } from '../helpers/fhir.js';
import { bundleOf, startMisbehavingFhir } from '../resilience/misbehaving-fhir.js';

const PATIENT = 'rls-no-iron-studies';
const OTHER_UUID = 'urn:uuid:7d0a5f4e-2c1b-4e8a-9f3d-1a2b3c4d5e6f';
const OWN_UUID = 'urn:uuid:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

const app = testApp();

type Body = Record<string, unknown> & { prefetch: Record<string, Bundle> };

function fixture(): Body {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${PATIENT}--patient-view.json`, 'utf8')) as Body;
}

/** Low ferritin and TSAT whose subject reference is `subject`. */
function lowIron(subject: string): Observation[] {
  return [
    { ...lab('x', 'f-x', '2276-4', 12, 'ng/mL', '2026-10-20T08:00:00Z'), subject: { reference: subject } },
    { ...lab('x', 't-x', '2502-3', 9, '%', '2026-10-20T08:00:00Z'), subject: { reference: subject } },
  ];
}

function patientEntry(fullUrl: string, id: string): { fullUrl: string; resource: Patient } {
  return { fullUrl, resource: { resourceType: 'Patient', id } };
}

async function rulesFor(body: object): Promise<string[]> {
  const res = await request(app).post('/cds-services/rls-patient-view').send(body);
  expect(res.status).toBe(200);
  return ruleIds((res.body as { cards: Card[] }).cards);
}

function withIron(subject: string, extraEntries: Bundle['entry'] = []): Body {
  const body = fixture();
  body.prefetch.ironStudies = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [...lowIron(subject).map((resource) => ({ resource })), ...extraEntries],
  };
  return body;
}

const FOREIGN = [
  ['relative', 'Patient/someone-else'],
  ['versioned', 'Patient/someone-else/_history/3'],
  ['absolute', 'https://ehr.example/fhir/Patient/someone-else'],
  ['absolute and versioned', 'https://ehr.example/fhir/Patient/someone-else/_history/3'],
  ['a versioned reference whose version is this patient’s id', `Patient/someone-else/_history/${PATIENT}`],
  ['unreadable', `Patient/someone-else/${PATIENT}`],
] as const;

test('patientIdOf reads the id of every reference form', () => {
  expect(patientIdOf('Patient/p1')).toBe('p1');
  expect(patientIdOf('Patient/p1/_history/3')).toBe('p1');
  expect(patientIdOf('https://ehr.example/fhir/Patient/p1')).toBe('p1');
  expect(patientIdOf('https://ehr.example/fhir/Patient/p1/_history/3')).toBe('p1');
  expect(patientIdOf('Group/g1')).toBeUndefined();
  expect(patientIdOf('Patient/p1/x')).toBeUndefined();
  expect(patientIdOf('Patient?identifier=123')).toBeUndefined();
});

test('refersToOtherPatient: a urn:uuid is resolved within the Bundles of the call', () => {
  const urns = new Map([
    [OTHER_UUID, 'someone-else'],
    [OWN_UUID, PATIENT],
  ]);
  expect(refersToOtherPatient({ reference: OTHER_UUID }, PATIENT, urns)).toBe(true);
  expect(refersToOtherPatient({ reference: OWN_UUID }, PATIENT, urns)).toBe(false);
  expect(refersToOtherPatient({ reference: 'urn:uuid:unknown' }, PATIENT, urns)).toBe(true);
  expect(refersToOtherPatient({ display: 'no reference' }, PATIENT, urns)).toBe(false);
});

test('(control) this patient’s low iron, referenced in every form, fires the iron card', async () => {
  expect(await rulesFor(fixture())).toContain('iron-studies-due');
  for (const subject of [
    `Patient/${PATIENT}`,
    `Patient/${PATIENT}/_history/3`,
    `https://ehr.example/fhir/Patient/${PATIENT}/_history/3`,
  ])
    expect([subject, await rulesFor(withIron(subject))]).toEqual([
      subject,
      expect.arrayContaining(['iron-not-optimized']),
    ]);
  expect(await rulesFor(withIron(OWN_UUID, [patientEntry(OWN_UUID, PATIENT)]))).toContain(
    'iron-not-optimized',
  );
});

test.each(FOREIGN)(
  'another patient’s low iron in prefetch, subject %s, is ignored',
  async (_form, subject) => {
    const rules = await rulesFor(withIron(subject));
    expect(rules).toContain('iron-studies-due');
    expect(rules).not.toContain('iron-not-optimized');
  },
);

test('another patient’s low iron in prefetch, subject a urn:uuid that the Bundle resolves to another Patient, is ignored', async () => {
  const rules = await rulesFor(withIron(OTHER_UUID, [patientEntry(OTHER_UUID, 'someone-else')]));
  expect(rules).toContain('iron-studies-due');
  expect(rules).not.toContain('iron-not-optimized');
});

describe('via the FHIR fallback', () => {
  test.each(FOREIGN)('another patient’s low iron, subject %s, is ignored', async (_form, subject) => {
    const fhir = await startMisbehavingFhir(fixtureStore());
    try {
      fhir.behaviours.set('Observation', bundleOf(lowIron(subject)));
      const body = fixture();
      delete (body.prefetch as Partial<Body['prefetch']>).ironStudies;
      const rules = await rulesFor({ ...body, fhirServer: fhir.base });
      expect(fhir.seen.some((p) => p.startsWith('/fhir/Observation'))).toBe(true);
      expect(rules).toContain('iron-studies-due');
      expect(rules).not.toContain('iron-not-optimized');
    } finally {
      await fhir.close();
    }
  });
});

describe('draft orders', () => {
  const NAME = 'oxycodone-untreated-osa--order-select.json';

  async function orderSelect(subject: string | undefined): Promise<string[]> {
    const body = JSON.parse(readFileSync(`${FIXTURES_DIR}requests/${NAME}`, 'utf8')) as {
      context: { draftOrders: Bundle<MedicationRequest> };
    };
    for (const entry of body.context.draftOrders.entry ?? []) {
      const draft = entry.resource as MedicationRequest;
      if (subject === undefined) delete (draft as Partial<MedicationRequest>).subject;
      else draft.subject = { reference: subject };
    }
    const res = await request(app).post('/cds-services/rls-order-select').send(body);
    expect(res.status).toBe(200);
    return ruleIds((res.body as { cards: Card[] }).cards);
  }

  test('(control) the patient’s own draft opioid, referenced as a versioned reference or not at all, gets the opioid card', async () => {
    expect(await orderSelect('Patient/rls-osa-untreated/_history/2')).toContain('opioid-safety-checks');
    expect(await orderSelect(undefined)).toContain('opioid-safety-checks');
  });

  test.each(FOREIGN)(
    'a draft opioid whose subject is another patient (%s) is not this patient’s order',
    async (_form, subject) => {
      expect(await orderSelect(subject)).not.toContain('opioid-safety-checks');
    },
  );
});
