import type { MedicationRequest } from 'fhir/r4.js';
import { completedStillCurrent, orderRegimen, replacement } from '../../src/clinical/regimen.js';
import {
  type MedicationFact,
  fromMedicationRequest,
  plainReference,
} from '../../src/clinical/medications.js';
import { buildSnapshot } from '../../src/clinical/snapshot.js';
import { SYSTEM } from '../../src/clinical/terminology.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const PRAMIPEXOLE_025 = { coding: [{ system: SYSTEM.rxnorm, code: '859040' }] };

function order(id: string, extra: Partial<MedicationRequest>): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: PRAMIPEXOLE_025,
    ...extra,
  };
}

function fact(mr: MedicationRequest): MedicationFact {
  const f = fromMedicationRequest(mr, () => undefined);
  if (!f) throw new Error('not recognised');
  return f;
}

const atBedtime = [{ text: 'Take 1 tablet at bedtime' }];

describe('prior prescription references', () => {
  test.each([
    ['MedicationRequest/7', 'MedicationRequest/7'],
    ['MedicationRequest/7/_history/3', 'MedicationRequest/7'],
    ['https://ehr.example.org/fhir/MedicationRequest/7/_history/3', 'MedicationRequest/7'],
    ['https://ehr.example.org/fhir/MedicationRequest/7', 'MedicationRequest/7'],
  ])('%s names %s', (reference, expected) => {
    expect(plainReference(reference)).toBe(expected);
  });

  test('a bare id names no order', () => {
    expect(plainReference('7')).toBeUndefined();
  });
});

describe('completed orders that still count as current therapy', () => {
  test('a completed pramipexole order authored exactly 90 days ago counts', () => {
    const f = fact(
      order('a', { status: 'completed', authoredOn: '2026-08-03', dosageInstruction: atBedtime }),
    );
    expect(completedStillCurrent(f, NOW)).toContain('90 days ago (within 90 days)');
  });

  test('one authored 91 days ago does not', () => {
    const f = fact(
      order('a', { status: 'completed', authoredOn: '2026-08-02', dosageInstruction: atBedtime }),
    );
    expect(completedStillCurrent(f, NOW)).toBeUndefined();
  });

  test('a stated supply decides instead of 90 days: 180 days from 2026-05-01 plus 7 days still counts', () => {
    const f = fact(
      order('a', {
        status: 'completed',
        authoredOn: '2026-05-01',
        dosageInstruction: atBedtime,
        dispenseRequest: { expectedSupplyDuration: { value: 180, code: 'd' } },
      }),
    );
    expect(completedStillCurrent(f, NOW)).toContain('supply to 2026-10-28');
  });

  test('a supply given as 30 tablets at 1 tablet a day ended 30 days after authoring', () => {
    const f = fact(
      order('a', {
        status: 'completed',
        authoredOn: '2026-09-20',
        dosageInstruction: atBedtime,
        dispenseRequest: { quantity: { value: 30, code: '{tbl}' } },
      }),
    );
    // 2026-09-20 + 30 days = 2026-10-20; + 7 days = 2026-10-27, before 2026-11-01.
    expect(completedStillCurrent(f, NOW)).toBeUndefined();
  });

  test('a completed order of a drug outside the watched classes does not count', () => {
    const f = fact(
      order('a', {
        status: 'completed',
        authoredOn: '2026-10-20',
        medicationCodeableConcept: { text: 'sertraline 50 mg tablet' },
        dosageInstruction: [{ text: '1 tablet daily' }],
      }),
    );
    expect(completedStillCurrent(f, NOW)).toBeUndefined();
  });
});

describe('replacement or addition', () => {
  const base = fact(
    order('base', {
      authoredOn: '2026-05-01',
      dosageInstruction: [
        {
          timing: { repeat: { when: ['HS'] } },
          doseAndRate: [{ doseQuantity: { value: 1, code: '{tbl}' } }],
        },
      ],
    }),
  );

  test('"at bedtime" in the sig is the same time as when HS: a replacement', () => {
    expect(replacement(fact(order('d', { dosageInstruction: atBedtime })), base)).toContain(
      'same time of day: bedtime',
    );
  });

  test('"at 5 pm" is another time of day: an addition', () => {
    expect(
      replacement(fact(order('d', { dosageInstruction: [{ text: '1 tablet at 5 pm' }] })), base),
    ).toBeUndefined();
  });

  test('a TID draft replaces a BID order of the same drug (same kind of schedule)', () => {
    const bid = fact(order('bid', { dosageInstruction: [{ timing: { code: { text: 'BID' } } }] }));
    const tid = fact(order('tid', { dosageInstruction: [{ timing: { code: { text: 'TID' } } }] }));
    expect(replacement(tid, bid)).toContain('the same dosing schedule');
  });

  test('a versioned prior prescription makes a replacement even at another time of day', () => {
    const draft = fact(
      order('d', {
        priorPrescription: { reference: 'MedicationRequest/base/_history/2' },
        dosageInstruction: [{ text: '1 tablet at 5 pm' }],
      }),
    );
    expect(replacement(draft, base)).toContain('named as its prior prescription');
  });

  test('a draft that says no time of day and names no prior order is an addition', () => {
    expect(
      replacement(fact(order('d', { dosageInstruction: [{ text: 'take as directed' }] })), base),
    ).toBeUndefined();
  });
});

describe('the resulting regimen', () => {
  test('a completed order superseded by a later order of the same drug at the same time is not counted twice', () => {
    const snapshot = buildSnapshot(
      {
        patientId: 'p1',
        conditions: [],
        observations: [],
        medicationRequests: [
          order('old', { status: 'completed', authoredOn: '2026-09-01', dosageInstruction: atBedtime }),
          order('new', { status: 'active', authoredOn: '2026-10-01', dosageInstruction: atBedtime }),
        ],
        medicationStatements: [],
        medications: new Map(),
        unavailable: [],
      },
      NOW,
      { medicationRequests: [order('draft', { status: 'draft', dosageInstruction: atBedtime })] },
    );
    const regimen = orderRegimen(snapshot);
    expect(regimen.baseline.map((m) => m.reference)).toEqual(['MedicationRequest/new']);
    expect(regimen.completed).toEqual([]);
    expect(regimen.resulting.map((m) => m.reference)).toEqual(['MedicationRequest/draft']);
  });
});

test('a reported medication that restates the active order is not counted twice', () => {
  const snapshot = buildSnapshot(
    {
      patientId: 'p1',
      conditions: [],
      observations: [],
      medicationRequests: [order('rx', { authoredOn: '2026-10-01', dosageInstruction: atBedtime })],
      medicationStatements: [
        {
          resourceType: 'MedicationStatement',
          id: 'reported',
          status: 'active',
          subject: { reference: 'Patient/p1' },
          medicationCodeableConcept: { text: 'Mirapex 0.25 mg' },
          dosage: [{ text: '1 tablet nightly' }],
        },
      ],
      medications: new Map(),
      unavailable: [],
    },
    NOW,
    { medicationRequests: [] },
  );
  expect(orderRegimen(snapshot).baseline.map((m) => m.reference)).toEqual(['MedicationRequest/rx']);
});
