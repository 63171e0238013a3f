import type {
  Condition,
  DeviceUseStatement,
  MedicationRequest,
  MedicationStatement,
  Procedure,
} from 'fhir/r4.js';
import { type PatientSnapshot, buildSnapshot } from '../../src/clinical/snapshot.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';
import { opioidGates } from '../../src/rules/gates.js';

const NOW = new Date('2026-11-01T12:00:00Z');

function condition(
  code: string,
  display: string,
  opts: { system?: string; clinical?: string; onset?: string; text?: string } = {},
): Condition {
  return {
    resourceType: 'Condition',
    subject: { reference: 'Patient/p1' },
    clinicalStatus: {
      coding: [{ system: SYSTEM.conditionClinical, code: opts.clinical ?? 'active' }],
    },
    code: {
      coding: [{ system: opts.system ?? SYSTEM.icd10cm, code, display }],
      ...(opts.text ? { text: opts.text } : {}),
    },
    ...(opts.onset ? { onsetDateTime: opts.onset } : {}),
  };
}

const RLS = condition('G25.81', 'Restless legs syndrome', { onset: '2019-05-02' });

function procedure(text: string, performed: string, status: Procedure['status'] = 'completed'): Procedure {
  return {
    resourceType: 'Procedure',
    status,
    subject: { reference: 'Patient/p1' },
    code: { text },
    performedDateTime: performed,
  };
}

function device(display: string, status: DeviceUseStatement['status'] = 'active'): DeviceUseStatement {
  return {
    resourceType: 'DeviceUseStatement',
    status,
    subject: { reference: 'Patient/p1' },
    device: { display },
    timingDateTime: '2025-02-01',
  };
}

function sertraline(): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: 'sertraline',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { text: 'sertraline 50 mg tablet' },
    authoredOn: '2026-06-01',
  };
}

function snapshot(
  conditions: Condition[],
  more: {
    procedures?: Procedure[];
    devices?: DeviceUseStatement[];
    requests?: MedicationRequest[];
    statements?: MedicationStatement[];
  } = {},
): PatientSnapshot {
  return buildSnapshot(
    {
      patientId: 'p1',
      conditions: [RLS, ...conditions],
      observations: [],
      medicationRequests: more.requests ?? [],
      medicationStatements: more.statements ?? [],
      procedures: more.procedures ?? [],
      deviceUseStatements: more.devices ?? [],
      medications: new Map(),
      unavailable: [],
    },
    NOW,
  );
}

const ids = (s: PatientSnapshot): string[] => opioidGates(s).map((g) => g.id);

describe('opioid gates', () => {
  test('a patient with RLS and nothing else has no gate', () => {
    expect(ids(snapshot([]))).toEqual([]);
  });

  test('active opioid use disorder (F11.20) gates an opioid and the reason names the record', () => {
    const gates = opioidGates(
      snapshot([condition('F11.20', 'Opioid dependence, uncomplicated', { onset: '2021-03-04' })]),
    );
    expect(gates.map((g) => g.id)).toEqual(['opioid-use-disorder']);
    expect(gates[0]?.reason).toContain('Opioid dependence, uncomplicated');
    expect(gates[0]?.reason).toContain('active');
    expect(gates[0]?.reason).toContain('2021-03-04');
  });

  test('opioid use disorder in remission (F11.21) still gates, and says remission', () => {
    const gates = opioidGates(snapshot([condition('F11.21', 'Opioid dependence, in remission')]));
    expect(gates.map((g) => g.id)).toEqual(['opioid-use-disorder']);
    expect(gates[0]?.reason).toContain('in remission');
  });

  test('opioid dependence recorded with clinical status remission still gates', () => {
    const s = snapshot([
      condition('75544000', 'Opioid dependence', { system: SYSTEM.snomed, clinical: 'remission' }),
    ]);
    expect(ids(s)).toEqual(['opioid-use-disorder']);
    expect(s.opioidUseDisorder?.inRemission).toBe(true);
  });

  test('resolved opioid use disorder does not gate', () => {
    expect(ids(snapshot([condition('F11.20', 'Opioid dependence', { clinical: 'resolved' })]))).toEqual([]);
  });

  test('a Z34 normal-pregnancy code recorded this year gates (pregnancy)', () => {
    const gates = opioidGates(
      snapshot([
        condition('Z34.82', 'Encounter for supervision of other normal pregnancy, second trimester', {
          onset: '2026-07-10',
        }),
      ]),
    );
    expect(gates.map((g) => g.id)).toEqual(['pregnancy']);
    expect(gates[0]?.instead).toMatch(/obstetric/);
  });

  test('a pregnancy recorded more than 10 months ago does not gate', () => {
    expect(
      ids(snapshot([condition('Z33.1', 'Pregnant state, incidental', { onset: '2025-12-20' })])),
    ).toEqual([]);
  });

  test('a pregnancy recorded exactly 10 months ago still gates', () => {
    expect(
      ids(snapshot([condition('Z33.1', 'Pregnant state, incidental', { onset: '2026-01-01T12:00:00Z' })])),
    ).toEqual(['pregnancy']);
  });

  test('sleep apnea, unspecified (G47.30) without treatment gates', () => {
    expect(ids(snapshot([condition('G47.30', 'Sleep apnea, unspecified')]))).toEqual([
      'untreated-sleep-apnea',
    ]);
  });

  test('central sleep apnea (G47.31) without treatment gates', () => {
    expect(ids(snapshot([condition('G47.31', 'Primary central sleep apnea')]))).toEqual([
      'untreated-sleep-apnea',
    ]);
  });

  test('a CPAP titration study and a polysomnography are diagnosis, not treatment', () => {
    const s = snapshot([condition('G47.33', 'Obstructive sleep apnea')], {
      procedures: [
        procedure('CPAP titration study (attended, in lab)', '2026-09-14'),
        procedure('Polysomnography', '2026-08-01'),
        procedure('Home sleep apnea test', '2026-07-01'),
      ],
    });
    expect(ids(s)).toEqual(['untreated-sleep-apnea']);
  });

  test('an active CPAP device in use is treatment', () => {
    const s = snapshot([condition('G47.33', 'Obstructive sleep apnea')], {
      devices: [device('ResMed AirSense 11 AutoSet CPAP')],
    });
    expect(ids(s)).toEqual([]);
  });

  test('a CPAP device no longer in use (completed) is not treatment', () => {
    const s = snapshot([condition('G47.33', 'Obstructive sleep apnea')], {
      devices: [device('CPAP machine', 'completed')],
    });
    expect(ids(s)).toEqual(['untreated-sleep-apnea']);
  });

  test('an oral appliance in use is treatment', () => {
    const s = snapshot([condition('G47.33', 'Obstructive sleep apnea')], {
      devices: [device('Mandibular advancement oral appliance')],
    });
    expect(ids(s)).toEqual([]);
  });

  test('upper-airway surgery within 12 months is treatment; 13 months ago it is not', () => {
    const apnea = condition('G47.33', 'Obstructive sleep apnea');
    expect(
      ids(snapshot([apnea], { procedures: [procedure('Uvulopalatopharyngoplasty (UPPP)', '2026-03-02')] })),
    ).toEqual([]);
    expect(
      ids(snapshot([apnea], { procedures: [procedure('Uvulopalatopharyngoplasty (UPPP)', '2025-10-01')] })),
    ).toEqual(['untreated-sleep-apnea']);
  });

  test('an active antidepressant (text-only sertraline order) gates as a drug that worsens RLS', () => {
    const gates = opioidGates(snapshot([], { requests: [sertraline()] }));
    expect(gates.map((g) => g.id)).toEqual(['exacerbating-factors']);
    expect(gates[0]?.reason).toContain('sertraline');
  });

  test('every gate that applies is returned, in a fixed order', () => {
    const s = snapshot(
      [
        condition('G47.30', 'Sleep apnea, unspecified'),
        condition('O09.92', 'Supervision of high risk pregnancy, unspecified, second trimester', {
          onset: '2026-08-01',
        }),
        condition('F11.21', 'Opioid dependence, in remission'),
      ],
      { requests: [sertraline()] },
    );
    expect(ids(s)).toEqual([
      'opioid-use-disorder',
      'pregnancy',
      'untreated-sleep-apnea',
      'exacerbating-factors',
    ]);
  });
});
