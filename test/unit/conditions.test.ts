import type { Condition } from 'fhir/r4.js';
import { findActiveCondition, isConditionActive, isEnteredInError } from '../../src/clinical/conditions.js';
import { ESRD, OPIOID_USE_DISORDER, RLS, SYSTEM } from '../../src/knowledge/terminology.js';

const ICD = SYSTEM.icd10cm;
const SCT = SYSTEM.snomed;

function condition(
  opts: {
    clinical?: string;
    verification?: string;
    system?: string;
    code?: string;
    display?: string;
    text?: string;
    onset?: string;
  } = {},
): Condition {
  return {
    resourceType: 'Condition',
    subject: { reference: 'Patient/p1' },
    ...(opts.clinical
      ? { clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: opts.clinical }] } }
      : {}),
    ...(opts.verification
      ? {
          verificationStatus: { coding: [{ system: SYSTEM.conditionVerification, code: opts.verification }] },
        }
      : {}),
    code: {
      ...(opts.code
        ? { coding: [{ system: opts.system ?? ICD, code: opts.code, display: opts.display }] }
        : {}),
      ...(opts.text ? { text: opts.text } : {}),
    },
    ...(opts.onset ? { onsetDateTime: opts.onset } : {}),
  };
}

describe('isConditionActive', () => {
  test.each(['active', 'recurrence', 'relapse'])('clinical status %s counts as present', (clinical) => {
    expect(isConditionActive(condition({ clinical, code: 'G25.81' }))).toBe(true);
  });

  test('a condition with no clinicalStatus counts as present', () => {
    expect(isConditionActive(condition({ code: 'G25.81' }))).toBe(true);
  });

  test.each(['resolved', 'inactive', 'remission'])('clinical status %s does not count', (clinical) => {
    expect(isConditionActive(condition({ clinical, code: 'G25.81' }))).toBe(false);
  });

  test.each(['refuted', 'entered-in-error'])(
    'an active condition with verification %s does not count',
    (verification) => {
      expect(isConditionActive(condition({ clinical: 'active', verification, code: 'G25.81' }))).toBe(false);
    },
  );

  test.each(['confirmed', 'unconfirmed', 'provisional', 'differential'])(
    'an active condition with verification %s still counts',
    (verification) => {
      expect(isConditionActive(condition({ clinical: 'active', verification, code: 'G25.81' }))).toBe(true);
    },
  );

  test('isEnteredInError is true only for entered-in-error', () => {
    expect(isEnteredInError(condition({ verification: 'entered-in-error' }))).toBe(true);
    expect(isEnteredInError(condition({ verification: 'refuted' }))).toBe(false);
    expect(isEnteredInError(condition({}))).toBe(false);
  });
});

describe('findActiveCondition with the RLS value set', () => {
  test('ICD-10-CM G25.81 is restless legs syndrome, matched by code', () => {
    const fact = findActiveCondition([condition({ code: 'G25.81', display: 'Restless legs syndrome' })], RLS);
    expect(fact).toEqual({ code: 'G25.81', display: 'Restless legs syndrome', matchedByText: false });
  });

  test('SNOMED 32914008 is restless legs syndrome, matched by code', () => {
    const fact = findActiveCondition(
      [condition({ system: SCT, code: '32914008', display: 'Restless legs' })],
      RLS,
    );
    expect(fact?.code).toBe('32914008');
    expect(fact?.matchedByText).toBe(false);
  });

  test('G25.81 under the SNOMED system does not match (system and code must agree)', () => {
    expect(findActiveCondition([condition({ system: SCT, code: 'G25.81' })], RLS)).toBeUndefined();
  });

  test('the text "Restless legs syndrome" alone matches, flagged as a text match', () => {
    const fact = findActiveCondition([condition({ text: 'Restless legs syndrome' })], RLS);
    expect(fact).toEqual({ display: 'Restless legs syndrome', matchedByText: true });
  });

  test('"Willis-Ekbom disease" as text matches RLS', () => {
    expect(findActiveCondition([condition({ text: 'Willis-Ekbom disease' })], RLS)?.matchedByText).toBe(true);
  });

  test('a resolved RLS diagnosis is not found', () => {
    expect(findActiveCondition([condition({ clinical: 'resolved', code: 'G25.81' })], RLS)).toBeUndefined();
  });

  test('a refuted RLS diagnosis is not found', () => {
    expect(
      findActiveCondition([condition({ verification: 'refuted', code: 'G25.81' })], RLS),
    ).toBeUndefined();
  });

  test('a coded match is preferred over a newer text match', () => {
    const coded = condition({ code: 'G25.81', display: 'RLS', onset: '2020-01-01' });
    const text = condition({ text: 'restless legs', onset: '2026-01-01' });
    const fact = findActiveCondition([text, coded], RLS);
    expect(fact?.matchedByText).toBe(false);
    expect(fact?.date).toBe('2020-01-01');
  });

  test('of two coded matches the most recent is reported', () => {
    const older = condition({ code: 'G25.81', onset: '2019-05-01' });
    const newer = condition({ system: SCT, code: '32914008', onset: '2024-05-01' });
    expect(findActiveCondition([older, newer], RLS)?.date).toBe('2024-05-01');
  });

  test('an unrelated condition (hypertension I10) is not RLS', () => {
    expect(
      findActiveCondition([condition({ code: 'I10', text: 'Essential hypertension' })], RLS),
    ).toBeUndefined();
  });
});

describe('findActiveCondition with the ESRD and OUD value sets', () => {
  test('N18.6 is end-stage renal disease', () => {
    expect(findActiveCondition([condition({ code: 'N18.6' })], ESRD)?.code).toBe('N18.6');
  });

  test('Z99.2 (dependence on renal dialysis) counts as ESRD', () => {
    expect(findActiveCondition([condition({ code: 'Z99.2' })], ESRD)?.code).toBe('Z99.2');
  });

  test('SNOMED 236436003 (ESRD with renal transplant) does not count as ESRD', () => {
    expect(findActiveCondition([condition({ system: SCT, code: '236436003' })], ESRD)).toBeUndefined();
  });

  test('CKD stage 5 N18.5 is not ESRD', () => {
    expect(findActiveCondition([condition({ code: 'N18.5' })], ESRD)).toBeUndefined();
  });

  test('F11.20 (opioid dependence, uncomplicated) matches opioid use disorder by prefix', () => {
    expect(findActiveCondition([condition({ code: 'F11.20' })], OPIOID_USE_DISORDER)).toEqual({
      code: 'F11.20',
      display: 'Opioid use disorder',
      matchedByText: false,
    });
  });

  test('F10.20 (alcohol dependence) is not opioid use disorder', () => {
    expect(findActiveCondition([condition({ code: 'F10.20' })], OPIOID_USE_DISORDER)).toBeUndefined();
  });
});
