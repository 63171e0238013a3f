import type { Observation } from 'fhir/r4.js';
import { buildSnapshot, isNegativeFinding } from '../../src/clinical/snapshot.js';
import { AUGMENTATION_FINDING } from '../../src/knowledge/terminology.js';

function assessment(value: Partial<Observation>): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ ...AUGMENTATION_FINDING }] },
    effectiveDateTime: '2026-10-20',
    ...value,
  };
}

describe('an augmentation assessment is read by its value', () => {
  test.each([
    ['valueBoolean false', { valueBoolean: false }],
    ['"Absent"', { valueCodeableConcept: { text: 'Absent' } }],
    ['a coding displayed "No"', { valueCodeableConcept: { coding: [{ display: 'No' }] } }],
    ['"not present"', { valueString: 'not present' }],
    ['"No augmentation"', { valueString: 'No augmentation' }],
    ['"augmentation ruled out"', { valueString: 'augmentation ruled out' }],
    ['a negative interpretation (NEG)', { interpretation: [{ coding: [{ code: 'NEG' }] }] }],
  ])('%s means no augmentation', (_, value) => {
    expect(isNegativeFinding(assessment(value))).toBe(true);
  });

  test.each([
    ['no value at all', {}],
    ['valueBoolean true', { valueBoolean: true }],
    ['"Present"', { valueCodeableConcept: { text: 'Present' } }],
    ['"Notable spread to the arms"', { valueString: 'Notable spread to the arms' }],
  ])('%s counts as a finding', (_, value) => {
    expect(isNegativeFinding(assessment(value))).toBe(false);
  });
});

describe('the latest assessment decides', () => {
  function findingOf(observations: Observation[]) {
    return buildSnapshot(
      {
        patientId: 'p1',
        conditions: [],
        observations,
        medicationRequests: [],
        medicationStatements: [],
        medications: new Map(),
        unavailable: [],
      },
      new Date('2026-11-01T12:00:00Z'),
    ).augmentationFinding;
  }

  test('augmentation recorded in June and assessed absent in October is no finding', () => {
    expect(
      findingOf([
        assessment({ effectiveDateTime: '2026-06-01', valueBoolean: true }),
        assessment({ effectiveDateTime: '2026-10-01', valueCodeableConcept: { text: 'Absent' } }),
      ]),
    ).toBeUndefined();
  });

  test('absent in June and present in October is a finding, dated October', () => {
    expect(
      findingOf([
        assessment({ effectiveDateTime: '2026-06-01', valueCodeableConcept: { text: 'Absent' } }),
        assessment({ effectiveDateTime: '2026-10-01', valueBoolean: true }),
      ])?.date,
    ).toBe('2026-10-01');
  });
});
