import type { Dosage, Medication, MedicationRequest, MedicationStatement } from 'fhir/r4.js';
import {
  type MedicationFact,
  type MedicationResolver,
  fromMedicationRequest,
  fromMedicationStatement,
  isActive,
  isHistory,
} from '../../src/clinical/medications.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';

const RX = SYSTEM.rxnorm;
const noResolver: MedicationResolver = () => undefined;

const oneTablet = (timingCode: string): Dosage => ({
  doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
  timing: { code: { coding: [{ code: timingCode }] } },
});

function request(extra: Partial<MedicationRequest>): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'mr1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    ...extra,
  };
}

function fact(mr: MedicationRequest, resolve: MedicationResolver = noResolver): MedicationFact {
  const f = fromMedicationRequest(mr, resolve);
  if (!f) throw new Error('expected the request to be recognised');
  return f;
}

describe('fromMedicationRequest', () => {
  test('pramipexole 0.25 mg tablet (RxNorm SCD 859040), 1 tablet BID, is a dopamine agonist at 0.5 mg/day', () => {
    const f = fact(
      request({
        medicationCodeableConcept: {
          coding: [{ system: RX, code: '859040', display: 'pramipexole 0.25 MG Oral Tablet' }],
        },
        dosageInstruction: [oneTablet('BID')],
        authoredOn: '2026-03-02',
      }),
    );
    expect(f.ingredient.id).toBe('pramipexole');
    expect(f.classes).toEqual(['dopamine-agonist']);
    expect(f.dose).toEqual({
      known: true,
      mgPerDay: 0.5,
      how: '1 × 0.25 mg (RxNorm 859040), BID',
      method: 'structured',
    });
    expect(f.reference).toBe('MedicationRequest/mr1');
    expect(f.resourceType).toBe('MedicationRequest');
    expect(f.status).toBe('active');
    expect(f.display).toBe('pramipexole 0.25 MG Oral Tablet');
    expect(f.matchedByText).toBe(false);
    expect(f.start).toBe('2026-03-02');
    expect(f.startTime).toBe(Date.parse('2026-03-02'));
    expect(f.reasons).toEqual([]);
  });

  test('the ingredient-only code 47579 is cabergoline, an ergot agonist to avoid in RLS', () => {
    const f = fact(request({ medicationCodeableConcept: { coding: [{ system: RX, code: '47579' }] } }));
    expect(f.ingredient.id).toBe('cabergoline');
    expect(f.classes).toEqual(['ergot-dopamine-agonist', 'avoid-in-rls']);
    expect(f.display).toBe('cabergoline');
    expect(f.dose).toEqual({ known: false, reason: 'no dosage instruction' });
  });

  test('an ingredient code with tablets and no strength anywhere gives an unknown dose', () => {
    const f = fact(
      request({
        medicationCodeableConcept: { coding: [{ system: RX, code: '47579' }] },
        dosageInstruction: [oneTablet('QD')],
      }),
    );
    expect(f.dose.known).toBe(false);
  });

  test('text-only "Cabergoline 0.5 mg tablet" is recognised from text, with the strength read from the text', () => {
    const f = fact(
      request({
        medicationCodeableConcept: { text: 'Cabergoline 0.5 mg tablet' },
        dosageInstruction: [oneTablet('QD')],
      }),
    );
    expect(f.ingredient.id).toBe('cabergoline');
    expect(f.matchedByText).toBe(true);
    expect(f.display).toBe('Cabergoline 0.5 mg tablet');
    expect(f.dose).toEqual({
      known: true,
      mgPerDay: 0.5,
      how: '1 × 0.5 mg (text "Cabergoline 0.5 mg tablet"), QD',
      method: 'structured',
    });
  });

  test('an RxNorm number under a local code system is not read as RxNorm', () => {
    const mr = request({
      medicationCodeableConcept: {
        coding: [{ system: 'http://example.org/local', code: '859040', display: 'Formulary item 12' }],
      },
    });
    // The display names no catalog drug either, so nothing matches.
    expect(fromMedicationRequest(mr, noResolver)).toBeUndefined();
  });

  test('a brand name in the text (Mirapex) is recognised as pramipexole, and said to come from text', () => {
    const mr = request({
      medicationCodeableConcept: {
        coding: [{ system: 'http://example.org/local', code: '859040', display: 'Mirapex' }],
      },
    });
    const f = fromMedicationRequest(mr, noResolver);
    expect(f?.ingredient.id).toBe('pramipexole');
    expect(f?.matchedByText).toBe(true);
  });

  test('gabapentin enacarbil 600 mg ER (SCD 1101338) is not plain gabapentin', () => {
    const f = fact(
      request({
        medicationCodeableConcept: { coding: [{ system: RX, code: '1101338' }] },
        dosageInstruction: [oneTablet('QPM')],
      }),
    );
    expect(f.ingredient.id).toBe('gabapentin-enacarbil');
    expect(f.ingredient.id).not.toBe('gabapentin');
    expect(f.classes).toEqual(['alpha2delta']);
    expect(f.dose.known && f.dose.mgPerDay).toBe(600);
  });

  test('"Horizant 600 mg" as text is gabapentin enacarbil, not gabapentin', () => {
    const f = fact(request({ medicationCodeableConcept: { text: 'Horizant 600 mg' } }));
    expect(f.ingredient.id).toBe('gabapentin-enacarbil');
  });

  test('a reference to a contained Medication (#med1) is resolved', () => {
    const contained: Medication = {
      resourceType: 'Medication',
      id: 'med1',
      code: { coding: [{ system: RX, code: '859040', display: 'pramipexole 0.25 MG Oral Tablet' }] },
    };
    const f = fact(
      request({
        contained: [contained],
        medicationReference: { reference: '#med1' },
        dosageInstruction: [oneTablet('QHS')],
      }),
      () => {
        throw new Error('a contained reference must not go to the resolver');
      },
    );
    expect(f.ingredient.id).toBe('pramipexole');
    expect(f.dose.known && f.dose.mgPerDay).toBe(0.25);
  });

  test('a contained Medication with an ingredient code takes the strength from Medication.ingredient', () => {
    const contained: Medication = {
      resourceType: 'Medication',
      id: 'med1',
      code: { coding: [{ system: RX, code: '47579' }] },
      ingredient: [
        {
          itemCodeableConcept: { coding: [{ system: RX, code: '47579' }] },
          strength: { numerator: { value: 0.5, unit: 'mg' }, denominator: { value: 1, unit: 'tablet' } },
        },
      ],
    };
    const f = fact(
      request({
        contained: [contained],
        medicationReference: { reference: '#med1' },
        dosageInstruction: [oneTablet('BID')],
      }),
    );
    expect(f.ingredient.id).toBe('cabergoline');
    expect(f.dose).toEqual({
      known: true,
      mgPerDay: 1,
      how: '1 × 0.5 mg (Medication.ingredient strength), BID',
      method: 'structured',
    });
  });

  test('a reference to a Medication elsewhere is resolved through the resolver', () => {
    const med: Medication = {
      resourceType: 'Medication',
      id: 'abc',
      code: { coding: [{ system: RX, code: '1101338' }] },
    };
    const asked: string[] = [];
    const f = fact(request({ medicationReference: { reference: 'Medication/abc' } }), (ref) => {
      asked.push(ref);
      return ref === 'Medication/abc' ? med : undefined;
    });
    expect(asked).toEqual(['Medication/abc']);
    expect(f.ingredient.id).toBe('gabapentin-enacarbil');
  });

  test('an unresolvable reference falls back to the reference display text', () => {
    const f = fact(
      request({ medicationReference: { reference: 'Medication/zzz', display: 'Ropinirole 1 mg tablet' } }),
    );
    expect(f.ingredient.id).toBe('ropinirole');
    expect(f.matchedByText).toBe(true);
  });

  test('lisinopril (RxNorm 314076) is not an RLS-relevant drug', () => {
    const mr = request({
      medicationCodeableConcept: {
        coding: [{ system: RX, code: '314076', display: 'lisinopril 10 MG Oral Tablet' }],
      },
    });
    expect(fromMedicationRequest(mr, noResolver)).toBeUndefined();
  });

  test('reasonCode on the order is carried as the reasons', () => {
    const reasonCode = [{ text: 'Hyperprolactinemia' }];
    const f = fact(
      request({ medicationCodeableConcept: { coding: [{ system: RX, code: '47579' }] }, reasonCode }),
    );
    expect(f.reasons).toEqual(reasonCode);
  });
});

describe('fromMedicationStatement', () => {
  test('a statement takes its start from effectivePeriod.start', () => {
    const ms: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'ms1',
      status: 'active',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { coding: [{ system: RX, code: '859040' }] },
      effectivePeriod: { start: '2025-01-15' },
      dosage: [oneTablet('TID')],
    };
    const f = fromMedicationStatement(ms, noResolver);
    expect(f?.reference).toBe('MedicationStatement/ms1');
    expect(f?.start).toBe('2025-01-15');
    expect(f?.dose.known && f.dose.mgPerDay).toBe(0.75);
  });
});

describe('isActive and isHistory', () => {
  const withStatus = (status: MedicationRequest['status']) =>
    fact(request({ status, medicationCodeableConcept: { coding: [{ system: RX, code: '859040' }] } }));

  test.each([
    ['active', true],
    ['on-hold', true],
    ['stopped', false],
    ['completed', false],
    ['draft', false],
  ] as const)('a %s request is active now: %s', (status, expected) => {
    expect(isActive(withStatus(status))).toBe(expected);
  });

  test.each([
    ['active', true],
    ['stopped', true],
    ['completed', true],
    ['on-hold', true],
    ['entered-in-error', false],
    ['cancelled', false],
    ['draft', false],
  ] as const)('a %s request is part of the medication history: %s', (status, expected) => {
    expect(isHistory(withStatus(status))).toBe(expected);
  });

  test('a not-taken statement is neither active nor history', () => {
    const ms: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'ms2',
      status: 'not-taken',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { coding: [{ system: RX, code: '859040' }] },
    };
    const f = fromMedicationStatement(ms, noResolver);
    if (!f) throw new Error('expected a fact');
    expect(isActive(f)).toBe(false);
    expect(isHistory(f)).toBe(false);
  });
});
