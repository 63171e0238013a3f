/**
 * A realistic RLS patient for the benchmark and the soak: three years of
 * quarterly iron studies and IRLS scores, renewals of chronic medications,
 * OTC and supplement statements, procedures and a CPAP device, about 150
 * resources in all, dated relative to `now` (the latest draw two weeks ago).
 * Deterministic: the same `now` gives the same resources.
 */
import type {
  Bundle,
  CodeableConcept,
  Condition,
  DeviceUseStatement,
  FhirResource,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
} from 'fhir/r4.js';
import { SYSTEM } from '../../src/knowledge/terminology.js';

/** The benchmark patient's id. */
export const BENCH_PATIENT_ID = 'bench-rls-3y';

const REF = { reference: `Patient/${BENCH_PATIENT_ID}` };
const DAY_MS = 86_400_000;

/** A small seeded PRNG (mulberry32), so that the patient is the same in every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function isoDaysAgo(now: Date, days: number, hour = 8): string {
  const d = new Date(now.getTime() - days * DAY_MS);
  d.setUTCHours(hour + 5, 10, 0, 0);
  return d.toISOString();
}

function concept(system: string, code: string, display: string, text = display): CodeableConcept {
  return { coding: [{ system, code, display }], text };
}

function condition(id: string, code: CodeableConcept, onset: string): Condition {
  return {
    resourceType: 'Condition',
    id: `${BENCH_PATIENT_ID}-${id}`,
    clinicalStatus: concept(SYSTEM.conditionClinical, 'active', 'Active'),
    verificationStatus: concept(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
    category: [
      concept(
        'http://terminology.hl7.org/CodeSystem/condition-category',
        'problem-list-item',
        'Problem List Item',
      ),
    ],
    code,
    subject: REF,
    onsetDateTime: onset,
    recordedDate: onset,
  };
}

const LAB_CATEGORY = [
  concept('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory'),
];

function lab(
  id: string,
  loinc: string,
  display: string,
  value: number,
  unit: string,
  effective: string,
): Observation {
  return {
    resourceType: 'Observation',
    id: `${BENCH_PATIENT_ID}-${id}`,
    status: 'final',
    category: LAB_CATEGORY,
    code: concept(SYSTEM.loinc, loinc, display),
    subject: REF,
    effectiveDateTime: effective,
    issued: effective,
    valueQuantity: { value, unit, system: SYSTEM.ucum, code: unit },
    performer: [{ display: 'Regional Medical Laboratory' }],
  };
}

interface Drug {
  readonly key: string;
  readonly rxcui: string;
  readonly display: string;
  readonly tablets: number;
  readonly perDay: number;
  readonly reason: CodeableConcept;
}

const RLS_REASON = concept(SYSTEM.icd10cm, 'G25.81', 'Restless legs syndrome');
const HTN = concept(SYSTEM.icd10cm, 'I10', 'Essential (primary) hypertension');
const DM2 = concept(SYSTEM.icd10cm, 'E11.9', 'Type 2 diabetes mellitus without complications');
const HLD = concept(SYSTEM.icd10cm, 'E78.5', 'Hyperlipidemia, unspecified');
const MDD = concept(SYSTEM.icd10cm, 'F32.A', 'Depression, unspecified');
const GERD = concept(SYSTEM.icd10cm, 'K21.9', 'Gastro-esophageal reflux disease without esophagitis');

function medicationRequest(
  id: string,
  drug: Drug,
  status: MedicationRequest['status'],
  authored: string,
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `${BENCH_PATIENT_ID}-${id}`,
    status,
    intent: 'order',
    medicationCodeableConcept: concept(SYSTEM.rxnorm, drug.rxcui, drug.display),
    subject: REF,
    authoredOn: authored,
    requester: { display: 'Dr. Anne Kessler, MD' },
    reasonCode: [drug.reason],
    dosageInstruction: [
      {
        sequence: 1,
        text: `Take ${drug.tablets} tablet(s) by mouth ${drug.perDay === 1 ? 'once daily' : `${drug.perDay} times a day`}`,
        timing: { repeat: { frequency: drug.perDay, period: 1, periodUnit: 'd' } },
        route: concept(SYSTEM.snomed, '26643006', 'Oral route'),
        doseAndRate: [
          { doseQuantity: { value: drug.tablets, unit: 'tablet', system: SYSTEM.ucum, code: '{tbl}' } },
        ],
      },
    ],
    dispenseRequest: {
      numberOfRepeatsAllowed: 3,
      quantity: { value: 90 * drug.tablets * drug.perDay, unit: 'tablet' },
      expectedSupplyDuration: { value: 90, unit: 'days', system: SYSTEM.ucum, code: 'd' },
    },
  };
}

function statement(id: string, text: string, dose: string, start: string): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    id: `${BENCH_PATIENT_ID}-${id}`,
    status: 'active',
    medicationCodeableConcept: { text },
    subject: REF,
    effectivePeriod: { start },
    dateAsserted: start,
    informationSource: { display: 'Patient' },
    dosage: [{ sequence: 1, text: dose }],
  };
}

function procedure(id: string, code: CodeableConcept, performed: string): Procedure {
  return {
    resourceType: 'Procedure',
    id: `${BENCH_PATIENT_ID}-${id}`,
    status: 'completed',
    code,
    subject: REF,
    performedDateTime: performed,
    performer: [{ actor: { display: 'Dr. Marisa Chen, MD' } }],
  };
}

/** The benchmark patient's resources (Patient first). */
export function benchPatient(now: Date): FhirResource[] {
  const rnd = random(20261101);
  const out: FhirResource[] = [];
  const patient: Patient = {
    resourceType: 'Patient',
    id: BENCH_PATIENT_ID,
    identifier: [{ system: 'http://localhost/fhir/sid/mrn', value: 'MRN-BENCH-0001' }],
    active: true,
    name: [{ use: 'official', family: 'Benchmark', given: ['Rita', 'Lee'] }],
    gender: 'female',
    birthDate: '1958-02-11',
    address: [{ use: 'home', city: 'Madison', state: 'WI', postalCode: '53703', country: 'US' }],
  };
  out.push(patient);

  // Problem list: RLS and the usual company, 10 conditions.
  const conditions: [string, CodeableConcept, number][] = [
    ['rls', concept(SYSTEM.icd10cm, 'G25.81', 'Restless legs syndrome'), 2400],
    ['htn', HTN, 4000],
    ['dm2', DM2, 3000],
    ['hld', HLD, 3500],
    ['osa', concept(SYSTEM.icd10cm, 'G47.33', 'Obstructive sleep apnea (adult) (pediatric)'), 1500],
    ['mdd', MDD, 2000],
    ['gerd', GERD, 2500],
    ['oa', concept(SYSTEM.icd10cm, 'M17.9', 'Osteoarthritis of knee, unspecified'), 1800],
    ['ckd3', concept(SYSTEM.icd10cm, 'N18.30', 'Chronic kidney disease, stage 3 unspecified'), 900],
    ['ida', concept(SYSTEM.icd10cm, 'D50.9', 'Iron deficiency anemia, unspecified'), 1200],
  ];
  for (const [id, code, days] of conditions) out.push(condition(id, code, isoDaysAgo(now, days)));

  // Iron studies: a draw every quarter for three years (13 draws × 4 results), ferritin drifting down.
  for (let i = 0; i < 13; i += 1) {
    const daysAgo = 14 + (12 - i) * 91;
    const when = isoDaysAgo(now, daysAgo);
    const ferritin = Math.round(120 - i * 5 - rnd() * 8);
    const iron = Math.round(70 - i * 1.5 - rnd() * 6);
    const tibc = Math.round(360 + i * 4 + rnd() * 10);
    out.push(
      lab(`ferritin-${i}`, '2276-4', 'Ferritin [Mass/volume] in Serum or Plasma', ferritin, 'ng/mL', when),
      lab(`iron-${i}`, '2498-4', 'Iron [Mass/volume] in Serum or Plasma', iron, 'ug/dL', when),
      lab(
        `tibc-${i}`,
        '2500-7',
        'Iron binding capacity [Mass/volume] in Serum or Plasma',
        tibc,
        'ug/dL',
        when,
      ),
      lab(
        `tsat-${i}`,
        '2502-3',
        'Iron saturation [Mass Fraction] in Serum or Plasma',
        Math.round((iron / tibc) * 100),
        '%',
        when,
      ),
    );
  }
  // IRLS total score at every visit (12).
  for (let i = 0; i < 12; i += 1) {
    out.push({
      resourceType: 'Observation',
      id: `${BENCH_PATIENT_ID}-irls-${i}`,
      status: 'final',
      category: [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'survey', 'Survey')],
      code: concept(SYSTEM.rlsScores, 'irls-total', 'International RLS Study Group Rating Scale total score'),
      subject: REF,
      effectiveDateTime: isoDaysAgo(now, 14 + (11 - i) * 91, 10),
      valueInteger: 14 + Math.round(rnd() * 4),
    });
  }

  // Medication orders: quarterly renewals of six chronic drugs over three years, the newest active.
  const drugs: Drug[] = [
    {
      key: 'pramipexole',
      rxcui: '859040',
      display: 'pramipexole dihydrochloride 0.25 MG Oral Tablet',
      tablets: 1,
      perDay: 1,
      reason: RLS_REASON,
    },
    {
      key: 'lisinopril',
      rxcui: '314076',
      display: 'lisinopril 10 MG Oral Tablet',
      tablets: 1,
      perDay: 1,
      reason: HTN,
    },
    {
      key: 'metformin',
      rxcui: '861007',
      display: 'metformin hydrochloride 500 MG Oral Tablet',
      tablets: 1,
      perDay: 2,
      reason: DM2,
    },
    {
      key: 'atorvastatin',
      rxcui: '617312',
      display: 'atorvastatin 20 MG Oral Tablet',
      tablets: 1,
      perDay: 1,
      reason: HLD,
    },
    {
      key: 'sertraline',
      rxcui: '312940',
      display: 'sertraline 50 MG Oral Tablet',
      tablets: 1,
      perDay: 1,
      reason: MDD,
    },
    {
      key: 'omeprazole',
      rxcui: '198053',
      display: 'omeprazole 20 MG Delayed Release Oral Capsule',
      tablets: 1,
      perDay: 1,
      reason: GERD,
    },
  ];
  for (const drug of drugs) {
    const renewals = drug.key === 'pramipexole' ? 12 : 7;
    for (let i = 0; i < renewals; i += 1) {
      const daysAgo = 30 + (renewals - 1 - i) * (drug.key === 'pramipexole' ? 91 : 160);
      out.push(
        medicationRequest(
          `${drug.key}-${i}`,
          drug,
          i === renewals - 1 ? 'active' : 'completed',
          isoDaysAgo(now, daysAgo, 11),
        ),
      );
    }
  }
  // A finished gabapentin trial and a few short courses.
  const shortCourses: [string, string, string, CodeableConcept][] = [
    ['gabapentin', '310431', 'gabapentin 300 MG Oral Capsule', RLS_REASON],
    [
      'amoxicillin',
      '308191',
      'amoxicillin 500 MG Oral Capsule',
      concept(SYSTEM.icd10cm, 'J01.90', 'Acute sinusitis'),
    ],
    [
      'prednisone',
      '312617',
      'prednisone 20 MG Oral Tablet',
      concept(SYSTEM.icd10cm, 'J45.901', 'Asthma exacerbation'),
    ],
    ['meloxicam', '152695', 'meloxicam 7.5 MG Oral Tablet', conditions[7]![1]],
  ];
  shortCourses.forEach(([key, rxcui, display, reason], i) => {
    out.push(
      medicationRequest(
        `${key}-course`,
        { key, rxcui, display, tablets: 1, perDay: key === 'gabapentin' ? 3 : 2, reason },
        'completed',
        isoDaysAgo(now, 300 + i * 150, 9),
      ),
    );
  });

  // What the patient reports taking (8).
  const statements: [string, string, string][] = [
    ['ferrous-sulfate', 'Ferrous sulfate 325 mg tablet', '325 mg every other day'],
    ['vitamin-c', 'Ascorbic acid 500 mg tablet', '500 mg with the iron tablet'],
    ['vitamin-d', 'Cholecalciferol 2000 IU capsule', '2000 IU daily'],
    ['melatonin', 'Melatonin 3 mg tablet', '3 mg at bedtime'],
    ['magnesium', 'Magnesium oxide 400 mg tablet', '400 mg daily'],
    ['acetaminophen', 'Acetaminophen 500 mg tablet', '1000 mg as needed for knee pain'],
    ['fish-oil', 'Omega-3 fish oil 1000 mg capsule', '1000 mg daily'],
    ['multivitamin', 'Multivitamin tablet', 'one daily'],
  ];
  statements.forEach(([id, text, dose], i) =>
    out.push(statement(id, text, dose, isoDaysAgo(now, 200 + i * 60))),
  );

  // Procedures (8) and the CPAP in use (2 device statements: the old one stopped).
  const procedures: [string, CodeableConcept, number][] = [
    ['psg', concept(SYSTEM.snomed, '60554003', 'Polysomnography'), 1500],
    ['cpap-titration', concept(SYSTEM.snomed, '418023006', 'CPAP titration study', 'CPAP titration'), 1450],
    [
      'ort',
      concept(SYSTEM.snomed, '454281000124100', 'Assessment of risk for opioid abuse (procedure)'),
      400,
    ],
    ['colonoscopy', concept(SYSTEM.snomed, '73761001', 'Colonoscopy'), 1100],
    ['egd', concept(SYSTEM.snomed, '1919006', 'Esophagogastroduodenoscopy'), 1000],
    ['knee-injection', concept(SYSTEM.snomed, '243129005', 'Injection of joint'), 600],
    ['dexa', concept(SYSTEM.snomed, '312681000', 'Bone density scan'), 800],
    ['eye-exam', concept(SYSTEM.snomed, '252779009', 'Diabetic retinal eye exam'), 200],
  ];
  for (const [id, code, days] of procedures) out.push(procedure(id, code, isoDaysAgo(now, days)));
  const devices: DeviceUseStatement[] = [
    {
      resourceType: 'DeviceUseStatement',
      id: `${BENCH_PATIENT_ID}-cpap-old`,
      status: 'completed',
      subject: REF,
      timingPeriod: { start: isoDaysAgo(now, 1440), end: isoDaysAgo(now, 500) },
      device: { display: 'Continuous positive airway pressure (CPAP) device' },
    },
    {
      resourceType: 'DeviceUseStatement',
      id: `${BENCH_PATIENT_ID}-cpap`,
      status: 'active',
      subject: REF,
      timingPeriod: { start: isoDaysAgo(now, 500) },
      recordedOn: isoDaysAgo(now, 60),
      device: { display: 'Auto-titrating positive airway pressure (APAP) device' },
    },
  ];
  out.push(...devices);
  return out;
}

/** The patient's resources as one collection Bundle (for a store or a file). */
export function benchPatientBundle(now: Date): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: benchPatient(now).map((resource) => ({ resource })),
  };
}
