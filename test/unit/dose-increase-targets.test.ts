import type { MedicationRequest } from 'fhir/r4.js';
import { type PatientSnapshot, buildSnapshot } from '../../src/clinical/snapshot.js';
import { dopamineAgonistDoseIncrease } from '../../src/rules/augmentation.js';
import type { Finding } from '../../src/rules/types.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';
import type { Hook } from '../../src/protocol/types.js';
import { rlsCondition } from '../helpers/fhir.js';

// Which draft a dopamine-agonist-dose-increase card offers to remove: the draft that raises the
// resulting regimen's dose, never a taper beside it (docs/clinical.md, order-time decisions).
const NOW = new Date('2026-11-01T12:00:00Z');

const RLS = rlsCondition('p1', 'rls');

function order(
  id: string,
  status: MedicationRequest['status'],
  rxcui: string,
  sig: string,
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    authoredOn: '2026-10-01',
    medicationCodeableConcept: { coding: [{ system: SYSTEM.rxnorm, code: rxcui }] },
    dosageInstruction: [{ text: sig }],
  };
}

/** Active pramipexole 0.25 mg at bedtime: the baseline of every case here. */
const BEDTIME_025 = order('bedtime', 'active', '859040', '1 tablet at bedtime');
/** The bedtime dose lowered to 0.125 mg (same time of day: it replaces the active order). */
const TAPER_0125 = order('taper', 'draft', '859033', '1 tablet at bedtime');
/** A new 0.25 mg dose at 5 pm (another time of day: it adds to the active order). */
const EXTRA_5PM_025 = order('extra-5pm', 'draft', '859040', '1 tablet at 5 pm');

function snapshot(drafts: MedicationRequest[], selections?: string[]): PatientSnapshot {
  return buildSnapshot(
    {
      patientId: 'p1',
      conditions: [RLS],
      observations: [],
      medicationRequests: [BEDTIME_025],
      medicationStatements: [],
      medications: new Map(),
      unavailable: [],
    },
    NOW,
    { medicationRequests: drafts, ...(selections ? { selections } : {}) },
  );
}

function doseIncrease(drafts: MedicationRequest[], selections?: string[]): Finding | undefined {
  const hook: Hook = selections ? 'order-select' : 'order-sign';
  return dopamineAgonistDoseIncrease.evaluate(snapshot(drafts, selections), hook);
}

/** The drafts the finding offers to delete. */
function removed(f: Finding | undefined): string[] {
  return (f?.suggestions ?? []).flatMap((s) => (s.kind === 'delete-draft' ? [s.reference] : []));
}

describe('the draft a dose-increase card offers to remove', () => {
  test('order-select on the bedtime taper, with an extra 5 pm dose drafted but not selected: the 5 pm draft is offered for removal, not the taper', () => {
    const f = doseIncrease([TAPER_0125, EXTRA_5PM_025], ['MedicationRequest/taper']);
    expect(f?.indicator).toBe('critical');
    expect(removed(f)).toEqual(['MedicationRequest/extra-5pm']);
    expect(f?.computed).toContain(
      'dopamine agonists: 0.25 mg/day pramipexole-equivalent now, 0.375 mg/day pramipexole-equivalent with the draft orders',
    );
    expect(f?.evidence.join('\n')).toContain('(MedicationRequest/extra-5pm), drafted but not selected yet');
  });

  test('order-select on the extra 5 pm dose, with the taper drafted but not selected: the selected 5 pm draft is offered for removal', () => {
    const f = doseIncrease([TAPER_0125, EXTRA_5PM_025], ['MedicationRequest/extra-5pm']);
    expect(removed(f)).toEqual(['MedicationRequest/extra-5pm']);
    expect(f?.evidence.join('\n')).not.toContain('drafted but not selected yet: the draft to remove');
  });

  test('order-sign with the taper and the extra 5 pm dose: only the 5 pm draft is offered for removal', () => {
    expect(removed(doseIncrease([TAPER_0125, EXTRA_5PM_025]))).toEqual(['MedicationRequest/extra-5pm']);
  });

  test('a bedtime taper to 0.125 mg with an extra 0.125 mg at 5 pm keeps 0.25 mg/day: no increase, no card at order-select or order-sign', () => {
    const extra0125 = order('extra-5pm-0125', 'draft', '859033', '1 tablet at 5 pm');
    expect(doseIncrease([TAPER_0125, extra0125], ['MedicationRequest/taper'])).toBeUndefined();
    expect(doseIncrease([TAPER_0125, extra0125])).toBeUndefined();
  });

  test('order-select on one of two extra doses: only the selected extra dose is offered for removal', () => {
    const morning = order('extra-morning', 'draft', '859040', '1 tablet in the morning at 8 am');
    const f = doseIncrease([EXTRA_5PM_025, morning], ['MedicationRequest/extra-5pm']);
    expect(removed(f)).toEqual(['MedicationRequest/extra-5pm']);
    expect(removed(doseIncrease([EXTRA_5PM_025, morning]))).toEqual([
      'MedicationRequest/extra-5pm',
      'MedicationRequest/extra-morning',
    ]);
  });

  test('order-select on the bedtime taper, with ropinirole 1 mg at 5 pm drafted but not selected: the ropinirole draft, which raises the pramipexole-equivalent total, is offered for removal', () => {
    const ropinirole = order('ropinirole-5pm', 'draft', '314208', '1 tablet at 5 pm');
    const f = doseIncrease([TAPER_0125, ropinirole], ['MedicationRequest/taper']);
    expect(f?.indicator).toBe('critical');
    expect(removed(f)).toEqual(['MedicationRequest/ropinirole-5pm']);
  });
});
