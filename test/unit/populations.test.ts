import type { Condition, MedicationRequest, Observation, Procedure } from 'fhir/r4.js';
import { type PatientSnapshot, buildSnapshot } from '../../src/clinical/snapshot.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';
import {
  opioidBeforeIron,
  opioidSafetyChecks,
  sedativeCombinationUntreatedOsa,
} from '../../src/rules/opioid.js';
import { refractoryNextStep } from '../../src/rules/refractory.js';
import { ADEQUATE_ALPHA2DELTA_MG_PER_DAY } from '../../src/knowledge/thresholds.js';
import { avoidBupropion, avoidClonazepam } from '../../src/rules/avoid.js';

const NOW = new Date('2026-11-01T12:00:00Z');

function condition(
  code: string | undefined,
  display: string,
  opts: { system?: string; clinical?: string; verification?: string; onset?: string } = {},
): Condition {
  return {
    resourceType: 'Condition',
    subject: { reference: 'Patient/p1' },
    clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: opts.clinical ?? 'active' }] },
    ...(opts.verification
      ? {
          verificationStatus: { coding: [{ system: SYSTEM.conditionVerification, code: opts.verification }] },
        }
      : {}),
    code: code
      ? { coding: [{ system: opts.system ?? SYSTEM.icd10cm, code, display }], text: display }
      : { text: display },
    ...(opts.onset ? { onsetDateTime: opts.onset } : {}),
  };
}

function dialysis(code: string, display: string, performed: Procedure['performedPeriod']): Procedure {
  return {
    resourceType: 'Procedure',
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: SYSTEM.snomed, code, display }] },
    performedPeriod: performed,
  };
}

function lab(loinc: string, value: number, unit: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: SYSTEM.loinc, code: loinc }] },
    valueQuantity: { value, unit },
    effectiveDateTime: '2026-10-01T08:00:00Z',
  };
}

function order(
  id: string,
  rxcui: string,
  text: string,
  opts: Partial<MedicationRequest> = {},
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: [{ system: SYSTEM.rxnorm, code: rxcui }], text },
    authoredOn: '2025-01-10',
    ...opts,
  };
}

const RLS = condition('G25.81', 'Restless legs syndrome');

function snap(
  conditions: Condition[],
  more: {
    procedures?: Procedure[];
    observations?: Observation[];
    requests?: MedicationRequest[];
    drafts?: MedicationRequest[];
  } = {},
): PatientSnapshot {
  return buildSnapshot(
    {
      patientId: 'p1',
      conditions,
      observations: more.observations ?? [],
      medicationRequests: more.requests ?? [],
      medicationStatements: [],
      procedures: more.procedures ?? [],
      medications: new Map(),
      unavailable: [],
    },
    NOW,
    more.drafts ? { medicationRequests: more.drafts } : undefined,
  );
}

describe('RLS population', () => {
  test('RLS in remission counts for the rules, and is flagged as remission', () => {
    const s = snap([condition('G25.81', 'Restless legs syndrome', { clinical: 'remission' })]);
    expect(s.rls?.code).toBe('G25.81');
    expect(s.rlsInRemission).toBe(true);
  });

  test('an active RLS record beside one in remission is not remission', () => {
    const s = snap([condition('G25.81', 'Restless legs syndrome', { clinical: 'remission' }), RLS]);
    expect(s.rlsInRemission).toBeUndefined();
  });

  test('RLS written as text only counts when no coded RLS record exists', () => {
    expect(snap([condition(undefined, 'Restless legs (Willis-Ekbom)')]).rls?.matchedByText).toBe(true);
  });

  test('a text-only RLS entry does not count beside a coded RLS record that was refuted', () => {
    const s = snap([
      condition('G25.81', 'Restless legs syndrome', { verification: 'refuted' }),
      condition(undefined, 'restless legs'),
    ]);
    expect(s.rls).toBeUndefined();
  });

  test('resolved RLS does not count', () => {
    expect(
      snap([condition('G25.81', 'Restless legs syndrome', { clinical: 'resolved' })]).rls,
    ).toBeUndefined();
  });
});

describe('dialysis recorded as a procedure', () => {
  const ckd5 = condition('N18.5', 'Chronic kidney disease, stage 5');

  test('CKD stage 5 with peritoneal dialysis (71192002) still running counts as ESRD', () => {
    const s = snap([RLS, ckd5], {
      procedures: [dialysis('71192002', 'Peritoneal dialysis', { start: '2026-01-04' })],
    });
    expect(s.esrd?.code).toBe('N18.5');
    expect(s.dialysis?.display).toBe('Peritoneal dialysis');
  });

  test('a dialysis period that ended exactly 90 days ago overlaps the window; 91 days ago does not', () => {
    const at = (end: string): PatientSnapshot =>
      snap([RLS, ckd5], {
        procedures: [dialysis('265764009', 'Renal dialysis', { start: '2026-01-04', end })],
      });
    expect(at('2026-08-03T12:00:00Z').esrd).toBeDefined();
    expect(at('2026-08-02T12:00:00Z').esrd).toBeUndefined();
  });

  const byText = (text: string, code?: { code: string; display: string }): Procedure => ({
    resourceType: 'Procedure',
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    code: code ? { coding: [{ system: SYSTEM.snomed, ...code }], text } : { text },
    performedDateTime: '2026-10-01',
  });

  test('a hemodialysis catheter placement is not a dialysis session: CKD stage 5 with it is not ESRD', () => {
    for (const text of [
      'Hemodialysis catheter placement',
      'Arteriovenous fistula creation for hemodialysis',
      'Peritoneal dialysis catheter insertion',
      'Tunneled haemodialysis catheter removal',
      'Hemodialysis access graft thrombectomy',
    ]) {
      const s = snap([RLS, ckd5], { procedures: [byText(text)] });
      expect({ text, esrd: s.esrd, dialysis: s.dialysis }).toEqual({
        text,
        esrd: undefined,
        dialysis: undefined,
      });
    }
  });

  test('a dialysis session named only by its text ("Hemodialysis session", "Peritoneal dialysis exchange", "Hemodialysis via AV fistula") still counts with CKD stage 5', () => {
    for (const text of [
      'Hemodialysis session',
      'Peritoneal dialysis exchange',
      'Hemodialysis via AV fistula',
      'Hemodialysis through tunneled catheter',
    ]) {
      const s = snap([RLS, ckd5], { procedures: [byText(text)] });
      expect(s.esrd?.code).toBe('N18.5');
      expect(s.dialysis).toEqual({ display: text, date: '2026-10-01' });
    }
  });

  test('a coded hemodialysis (302497006) counts even when its text names the catheter it ran through', () => {
    const s = snap([RLS, ckd5], {
      procedures: [
        byText('Hemodialysis via tunneled catheter', { code: '302497006', display: 'Hemodialysis' }),
      ],
    });
    expect(s.esrd?.code).toBe('N18.5');
    expect(s.dialysis?.display).toBe('Hemodialysis');
  });

  test('a dialysis procedure without CKD stage 5 or ESRD on the list is not ESRD', () => {
    const s = snap([RLS], { procedures: [dialysis('302497006', 'Hemodialysis', { start: '2026-09-01' })] });
    expect(s.esrd).toBeUndefined();
  });
});

describe('opioid rules v2', () => {
  const oxycodoneDraft = order('d1', '1860157', 'oxycodone ER 10 mg', { status: 'draft' });

  test('opioid-before-iron uses the ESRD thresholds for an ESRD patient: ferritin 250 with TSAT 15 % is enough', () => {
    const esrd = condition('N18.6', 'End stage renal disease');
    const observations = [lab('2276-4', 250, 'ng/mL'), lab('2502-3', 15, '%')];
    expect(
      opioidBeforeIron.evaluate(snap([RLS, esrd], { observations, drafts: [oxycodoneDraft] }), 'order-sign'),
    ).toBeUndefined();
    // The same labs without ESRD: TSAT below 20 % is iron not optimized.
    expect(
      opioidBeforeIron.evaluate(snap([RLS], { observations, drafts: [oxycodoneDraft] }), 'order-sign'),
    ).toBeDefined();
  });

  test('opioid-before-iron fires for an ESRD patient with ferritin 150 and TSAT 15 %, offering iron sucrose', () => {
    const esrd = condition('N18.6', 'End stage renal disease');
    const observations = [lab('2276-4', 150, 'ng/mL'), lab('2502-3', 15, '%')];
    const f = opioidBeforeIron.evaluate(
      snap([RLS, esrd], { observations, drafts: [oxycodoneDraft] }),
      'order-sign',
    );
    expect(f?.suggestions).toEqual([{ kind: 'order-iron-sucrose' }]);
    expect(f?.variant).toBe('esrd');
  });

  test('methadone for a patient whose opioid use disorder is on agonist therapy is OUD care: info, no iron card', () => {
    const oud = condition('1081000119105', 'Opioid dependence, on agonist therapy', {
      system: SYSTEM.snomed,
    });
    const methadone = order('d2', '864706', 'methadone 10 mg tablet', { status: 'draft' });
    const s = snap([RLS, oud], { drafts: [methadone] });
    expect(opioidSafetyChecks.evaluate(s, 'order-sign')?.indicator).toBe('info');
    expect(opioidBeforeIron.evaluate(s, 'order-sign')).toBeUndefined();
  });

  test('an active methadone for a patient with opioid use disorder is OUD care: no RLS opioid card at chart open', () => {
    const oud = condition('F11.20', 'Opioid dependence, uncomplicated');
    const methadone = order('m1', '864706', 'methadone 10 mg tablet');
    expect(
      opioidSafetyChecks.evaluate(snap([RLS, oud], { requests: [methadone] }), 'patient-view'),
    ).toBeUndefined();
  });

  test('a new methadone draft with no OUD indication for a patient with OUD is judged as RLS therapy: critical', () => {
    const oud = condition('F11.20', 'Opioid dependence, uncomplicated');
    const methadone = order('d3', '864718', 'methadone 5 mg tablet', { status: 'draft' });
    const f = opioidSafetyChecks.evaluate(snap([RLS, oud], { drafts: [methadone] }), 'order-sign');
    expect(f?.indicator).toBe('critical');
    expect(f?.values.failed).toMatch(/^opioid use disorder on the problem list/);
  });

  test('respiratory monitoring is advice, never a failed check: all checks met gives info', () => {
    const screen: Procedure = {
      resourceType: 'Procedure',
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: SYSTEM.snomed, code: '454281000124100' }], text: 'Opioid Risk Tool' },
      performedDateTime: '2026-10-01',
    };
    const laxative = order('l1', '998740', 'docusate/senna');
    const s = snap([RLS], { procedures: [screen], requests: [laxative], drafts: [oxycodoneDraft] });
    const f = opioidSafetyChecks.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('info');
    expect(f?.variant).toBe('all-met');
  });

  test('opioid with a benzodiazepine only (no gabapentinoid) and untreated apnea is a warning, not critical', () => {
    const apnea = condition('G47.39', 'Other sleep apnea');
    const clonazepam = order('c1', '197527', 'clonazepam 0.5 mg');
    const s = snap([RLS, apnea], { requests: [clonazepam], drafts: [oxycodoneDraft] });
    expect(sedativeCombinationUntreatedOsa.evaluate(s, 'order-sign')?.indicator).toBe('warning');
  });
});

describe('refractory-next-step v2', () => {
  const trial = order('g1', '310433', 'gabapentin 600 mg', {
    status: 'completed',
    dosageInstruction: [
      {
        timing: { code: { coding: [{ system: SYSTEM.timingAbbreviation, code: 'TID' }] } },
        doseAndRate: [{ doseQuantity: { value: 600, unit: 'mg' } }],
      },
    ],
  });
  const observations = [lab('2276-4', 150, 'ng/mL'), lab('2502-3', 30, '%')];

  test('a gabapentin sig split over the day totalling the adequate dose (1800 mg/day) counts as an adequate trial; 100 mg/day less does not', () => {
    const adequate = ADEQUATE_ALPHA2DELTA_MG_PER_DAY.gabapentin ?? Number.NaN;
    const split = (bedtimeMg: number): MedicationRequest =>
      order('g2', '310433', 'gabapentin 600 mg', {
        status: 'completed',
        dosageInstruction: [{ text: `600 mg in the morning and ${bedtimeMg} mg at bedtime` }],
      });
    const atDose = refractoryNextStep.evaluate(
      snap([RLS], { requests: [split(adequate - 600)], observations }),
      'patient-view',
    );
    expect(atDose?.evidence[0]).toContain('adequate alpha-2-delta trial');
    expect(atDose?.evidence[0]).toContain(`${adequate} mg/day`);
    const below = snap([RLS], { requests: [split(adequate - 700)], observations });
    expect(below.medicationHistory[0]?.dose).toMatchObject({ known: true, mgPerDay: adequate - 100 });
    expect(refractoryNextStep.evaluate(below, 'patient-view')).toBeUndefined();
  });

  test('does not fire for RLS in remission', () => {
    const s = snap([condition('G25.81', 'Restless legs syndrome', { clinical: 'remission' })], {
      requests: [trial],
      observations,
    });
    expect(refractoryNextStep.evaluate(s, 'patient-view')).toBeUndefined();
  });

  test('an IRLS of 15 older than 6 months does not judge control: the card says so', () => {
    const old: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: SYSTEM.rlsScores, code: 'irls-total' }] },
      valueInteger: 15,
      effectiveDateTime: '2026-03-01',
    };
    const f = refractoryNextStep.evaluate(
      snap([RLS], { requests: [trial], observations: [...observations, old] }),
      'patient-view',
    );
    expect(f?.variant).toBe('control-unknown');
    expect(f?.missing[0]).toMatch(/no IRLS score in the last 6 months \(last: 15 on 2026-03-01\)/);
  });

  test('an active antidepressant keeps RLS from being called refractory', () => {
    const sertraline: MedicationRequest = order('s1', '36437', 'sertraline 50 mg tablet');
    expect(
      refractoryNextStep.evaluate(
        snap([RLS], { requests: [trial, sertraline], observations }),
        'patient-view',
      ),
    ).toBeUndefined();
  });
});

describe('non-RLS indications read from the problem list', () => {
  const bupropion = order('b1', '993541', 'Wellbutrin XL 150 mg', { status: 'draft' });

  test('bupropion with nicotine dependence on the list is info, with the indication named', () => {
    const s = snap([RLS, condition('F17.210', 'Nicotine dependence, cigarettes, uncomplicated')], {
      drafts: [bupropion],
    });
    const f = avoidBupropion.evaluate(s, 'order-sign');
    expect(f?.indicator).toBe('info');
    expect(f?.values.indication).toBe('smoking cessation');
    expect(f?.suggestions).toEqual([expect.objectContaining({ kind: 'delete-draft', recommended: false })]);
  });

  test('a personal history of nicotine dependence is not a current indication: bupropion stays a warning', () => {
    const s = snap([RLS, condition('Z87.891', 'Personal history of nicotine dependence')], {
      drafts: [bupropion],
    });
    expect(avoidBupropion.evaluate(s, 'order-sign')?.indicator).toBe('warning');
  });

  test('a resolved depression is not an indication', () => {
    const s = snap(
      [RLS, condition('F32.9', 'Major depressive disorder, single episode', { clinical: 'resolved' })],
      {
        drafts: [bupropion],
      },
    );
    expect(avoidBupropion.evaluate(s, 'order-sign')?.indicator).toBe('warning');
  });

  test('clonazepam with REM sleep behavior disorder on the list is info', () => {
    const clonazepam = order('c2', '197527', 'clonazepam 0.5 mg tablet', { status: 'draft' });
    const s = snap([RLS, condition('G47.52', 'REM sleep behavior disorder')], { drafts: [clonazepam] });
    expect(avoidClonazepam.evaluate(s, 'order-sign')?.indicator).toBe('info');
  });
});
