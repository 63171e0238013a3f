import type { MedicationRequest, MedicationStatement, Observation } from 'fhir/r4.js';
import { orderRegimen } from '../../src/clinical/regimen.js';
import { type PatientSnapshot, buildSnapshot } from '../../src/clinical/snapshot.js';
import { evaluate } from '../../src/rules/index.js';
import type { Finding } from '../../src/rules/types.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';
import { rlsCondition } from '../helpers/fhir.js';

// Completed orders that the patient still takes are current therapy when the chart opens
// (patient-view), read by the same policy and thresholds as the regimen at order time.
const NOW = new Date('2026-11-01T12:00:00Z');
const PRAMIPEXOLE_025 = { coding: [{ system: SYSTEM.rxnorm, code: '859040' }] };

const RLS = rlsCondition('p1', 'rls');

function lab(id: string, loinc: string, value: number, unit: string): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: SYSTEM.loinc, code: loinc }] },
    effectiveDateTime: '2026-09-01',
    valueQuantity: { value, unit, system: SYSTEM.ucum, code: unit },
  };
}

/** Iron optimized, fresh: no iron card interferes. */
const IRON = [lab('ferritin', '2276-4', 150, 'ng/mL'), lab('tsat', '2502-3', 30, '%')];

function pramipexole(id: string, extra: Partial<MedicationRequest>): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'completed',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: PRAMIPEXOLE_025,
    dosageInstruction: [{ text: 'Take 1 tablet at bedtime' }],
    ...extra,
  };
}

function snapshot(requests: MedicationRequest[], statements: MedicationStatement[] = []): PatientSnapshot {
  return buildSnapshot(
    {
      patientId: 'p1',
      conditions: [RLS],
      observations: IRON,
      medicationRequests: requests,
      medicationStatements: statements,
      medications: new Map(),
      unavailable: [],
    },
    NOW,
  );
}

function finding(s: PatientSnapshot, ruleId: string): Finding | undefined {
  return evaluate(s, 'patient-view').find((f) => f.ruleId === ruleId);
}

describe('completed orders that are current therapy when the chart opens', () => {
  test('a pramipexole order completed 30 days ago still counts as current therapy when the chart opens', () => {
    const s = snapshot([pramipexole('c', { authoredOn: '2026-10-02' })]);
    expect(s.activeMedications).toEqual([]);
    expect(s.currentTherapy.map((m) => m.reference)).toEqual(['MedicationRequest/c']);
    const review = finding(s, 'dopamine-agonist-review');
    expect(review?.evidence).toEqual([
      'completed order still current: authored 2026-10-02, 30 days ago (within 90 days): pramipexole 0.25 mg tablet: 0.25 mg/day since 2026-10-02 (at bedtime) (MedicationRequest/c)',
    ]);
    expect(review?.evidence.join('\n')).not.toMatch(/^active/m);
  });

  test('the 90th day still counts; the 91st does not (no supply stated)', () => {
    expect(
      finding(snapshot([pramipexole('c', { authoredOn: '2026-08-03' })]), 'dopamine-agonist-review'),
    ).toBeDefined();
    const day91 = snapshot([pramipexole('c', { authoredOn: '2026-08-02' })]);
    expect(day91.currentTherapy).toEqual([]);
    expect(finding(day91, 'dopamine-agonist-review')).toBeUndefined();
  });

  test('a stated supply decides: a 30-day supply that ended 10 days ago is past the 7-day grace, one that ends next month still counts', () => {
    const supply = { expectedSupplyDuration: { value: 30, unit: 'days', code: 'd' } };
    const ended = snapshot([pramipexole('c', { authoredOn: '2026-09-22', dispenseRequest: supply })]);
    expect(finding(ended, 'dopamine-agonist-review')).toBeUndefined();
    const lasting = snapshot([pramipexole('c', { authoredOn: '2026-10-20', dispenseRequest: supply })]);
    expect(finding(lasting, 'dopamine-agonist-review')?.evidence[0]).toContain(
      'completed order still current: supply to 2026-11-19 (expected supply of 30 days = 30 days) plus 7 days',
    );
  });

  test('pramipexole 0.75 mg/day on an order completed 30 days ago is above the RLS maximum: augmentation is suspected when the chart opens, naming the completed order', () => {
    const s = snapshot([
      pramipexole('c', {
        authoredOn: '2026-10-02',
        dosageInstruction: [{ text: 'Take 3 tablets at bedtime' }],
      }),
    ]);
    const card = finding(s, 'augmentation-suspected');
    expect(card?.evidence).toContain('sign: pramipexole 0.75 mg/day is above the RLS maximum of 0.5 mg/day');
    expect(card?.evidence[0]).toMatch(
      /^completed order still current: authored 2026-10-02, 30 days ago \(within 90 days\): pramipexole .*0\.75 mg\/day/,
    );
    expect(finding(s, 'dopamine-agonist-review')).toBeUndefined();
  });

  test('a completed order renewed by a later active order of the same drug is one therapy, listed once as the active order', () => {
    const s = snapshot([
      pramipexole('old', { authoredOn: '2026-09-15' }),
      pramipexole('renewal', { status: 'active', authoredOn: '2026-10-20' }),
    ]);
    expect(s.completedStillCurrent).toEqual([]);
    const evidence = finding(s, 'dopamine-agonist-review')?.evidence ?? [];
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatch(/^active: .*since 2026-10-20/);
  });

  test('a reported pramipexole that restates a completed order still current is one therapy, listed once as the completed order', () => {
    const reported: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'reported',
      status: 'active',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: PRAMIPEXOLE_025,
      dosage: [{ text: 'Take 1 tablet at bedtime' }],
      effectiveDateTime: '2026-10-05',
    };
    const s = snapshot([pramipexole('c', { authoredOn: '2026-10-02' })], [reported]);
    expect(s.activeMedications.map((m) => m.reference)).toEqual(['MedicationStatement/reported']);
    expect(s.currentTherapy.map((m) => m.reference)).toEqual(['MedicationRequest/c']);
    const evidence = finding(s, 'dopamine-agonist-review')?.evidence ?? [];
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatch(/^completed order still current: authored 2026-10-02/);
  });

  test('at order time the completed order enters the baseline once, with the same reason the chart shows', () => {
    const s = snapshot([pramipexole('c', { authoredOn: '2026-10-02' })]);
    const regimen = orderRegimen(s);
    expect(regimen.baseline.map((m) => m.reference)).toEqual(['MedicationRequest/c']);
    expect(regimen.completed.map((c) => c.why)).toEqual(s.completedStillCurrent.map((c) => c.why));
  });

  test('an oxycodone order completed 20 days ago raises the opioid safety checks and is named as a completed order, not an active one', () => {
    const s = snapshot([
      {
        resourceType: 'MedicationRequest',
        id: 'oxy',
        status: 'completed',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'oxycodone ER 10 mg tablet' },
        dosageInstruction: [{ text: 'Take 1 tablet at bedtime' }],
        authoredOn: '2026-10-12',
      },
    ]);
    const checks = finding(s, 'opioid-safety-checks');
    expect(checks?.evidence[0]).toMatch(
      /^completed order still current: authored 2026-10-12, 20 days ago \(within 90 days\): oxycodone ER 10 mg tablet: .* \(MedicationRequest\/oxy\)$/,
    );
    expect(checks?.evidence.join('\n')).not.toContain('active order');
    // On an opioid already: not refractory to first-line therapy with no opioid.
    expect(finding(s, 'refractory-next-step')).toBeUndefined();
  });

  test('a completed order of a drug outside the watched classes is not current therapy', () => {
    const s = snapshot([
      pramipexole('sertraline', {
        authoredOn: '2026-10-20',
        medicationCodeableConcept: { text: 'sertraline 50 mg tablet' },
      }),
    ]);
    expect(s.currentTherapy).toEqual([]);
    expect(finding(s, 'exacerbating-factors')).toBeUndefined();
  });
});
