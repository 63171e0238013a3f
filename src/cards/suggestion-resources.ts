/**
 * The FHIR R4 resources that suggestions create: complete draft orders with
 * codes from the terminology module and the drug catalog.
 */
import type { MedicationRequest, ServiceRequest } from 'fhir/r4.js';
import { SUGGESTED_PRODUCTS, product } from '../knowledge/drug-catalog.js';
import { IRON_STUDY_ORDER, RLS, SYSTEM } from '../knowledge/terminology.js';
import {
  ESRD_GABAPENTIN_DOSE_MG,
  ESRD_GABAPENTIN_MAX_MG_PER_DAY,
  FERRIC_CARBOXYMALTOSE_DOSE_MG,
  GABAPENTIN_START_MG,
  GABAPENTIN_TARGET_MG_PER_DAY,
  IRON_SUPPLEMENT_HOLD_HOURS,
  METHADONE_MG_PER_DAY,
  OXYCODONE_ER_START_MG,
} from '../knowledge/thresholds.js';

const rlsReason = [
  { coding: RLS.codes.map((c) => ({ system: c.system, code: c.code, display: c.display })) },
];

/** Draft ServiceRequests for ferritin, serum iron, TIBC and TSAT, drawn in the morning, fasting, off iron for 24 h. */
export function ironStudyOrders(patientId: string): ServiceRequest[] {
  return IRON_STUDY_ORDER.map((code) => ({
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: code.system, code: code.code, display: code.display }], text: code.display },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: rlsReason,
    patientInstruction: `Morning, fasting blood draw. Take no iron-containing supplements for at least ${IRON_SUPPLEMENT_HOLD_HOURS} hours before.`,
  }));
}

/** A complete draft MedicationRequest for one catalog product, for an RLS indication. */
function draftOrder(
  patientId: string,
  rxcui: string,
  dosage: MedicationRequest['dosageInstruction'],
): MedicationRequest {
  const p = product(rxcui);
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEM.rxnorm, code: p.rxcui, display: p.display }],
      text: p.display,
    },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: rlsReason,
    ...(dosage ? { dosageInstruction: dosage } : {}),
  };
}

/** Draft order: IV ferric carboxymaltose 750 mg (the lower end of the guideline's 750-1000 mg), once. */
export function ferricCarboxymaltoseOrder(patientId: string): MedicationRequest {
  const mg = FERRIC_CARBOXYMALTOSE_DOSE_MG.min;
  return draftOrder(patientId, SUGGESTED_PRODUCTS.ferricCarboxymaltose750, [
    {
      text: `${mg} mg by intravenous infusion, once; the guideline dose range is ${FERRIC_CARBOXYMALTOSE_DOSE_MG.min}-${FERRIC_CARBOXYMALTOSE_DOSE_MG.max} mg`,
      route: { text: 'intravenous' },
      timing: { repeat: { count: 1 } },
      doseAndRate: [{ doseQuantity: { value: mg, unit: 'mg', system: SYSTEM.ucum, code: 'mg' } }],
    },
  ]);
}

/** Draft order: IV iron sucrose 100 mg/5 mL; the course follows the dialysis unit's protocol (no dose is assumed). */
export function ironSucroseOrder(patientId: string): MedicationRequest {
  return draftOrder(patientId, SUGGESTED_PRODUCTS.ironSucrose100, [
    {
      text: 'Intravenous, with dialysis; dose and number of doses per the dialysis unit protocol',
      route: { text: 'intravenous' },
    },
  ]);
}

function oralOrder(
  patientId: string,
  rxcui: string,
  dose: { value: number; unit: 'mg' | 'tablet'; timingCode: string; timingDisplay: string; text: string },
): MedicationRequest {
  return draftOrder(patientId, rxcui, [
    {
      text: dose.text,
      route: { text: 'oral' },
      timing: {
        code: {
          coding: [{ system: SYSTEM.timingAbbreviation, code: dose.timingCode, display: dose.timingDisplay }],
        },
      },
      doseAndRate: [
        {
          doseQuantity:
            dose.unit === 'mg'
              ? { value: dose.value, unit: 'mg', system: SYSTEM.ucum, code: 'mg' }
              : { value: dose.value, unit: 'tablet', system: SYSTEM.ucum, code: '{tbl}' },
        },
      ],
    },
  ]);
}

/**
 * Draft gabapentin: 300 mg three times a day to titrate towards 1800-2400 mg/day;
 * in ESRD 100 mg once daily at bedtime or after dialysis (clinical guidance, docs/clinical.md).
 */
export function gabapentinOrder(patientId: string, esrd: boolean): MedicationRequest {
  if (esrd) {
    return oralOrder(patientId, SUGGESTED_PRODUCTS.gabapentin100, {
      value: ESRD_GABAPENTIN_DOSE_MG,
      unit: 'mg',
      timingCode: 'QD',
      timingDisplay: 'once daily',
      text: `${ESRD_GABAPENTIN_DOSE_MG} mg once daily, after dialysis on dialysis days, otherwise at bedtime; at most ${ESRD_GABAPENTIN_MAX_MG_PER_DAY} mg/day`,
    });
  }
  return oralOrder(patientId, SUGGESTED_PRODUCTS.gabapentin300, {
    value: GABAPENTIN_START_MG,
    unit: 'mg',
    timingCode: 'TID',
    timingDisplay: 'three times a day',
    text: `${GABAPENTIN_START_MG} mg three times a day; titrate to ${GABAPENTIN_TARGET_MG_PER_DAY.min}-${GABAPENTIN_TARGET_MG_PER_DAY.max} mg/day as tolerated`,
  });
}

/** Draft extended-release oxycodone 10 mg at bedtime (the smallest US ER tablet; guideline start 5-10 mg). */
export function oxycodoneErOrder(patientId: string): MedicationRequest {
  return oralOrder(patientId, SUGGESTED_PRODUCTS.oxycodoneEr10, {
    value: OXYCODONE_ER_START_MG.max,
    unit: 'mg',
    timingCode: 'QHS',
    timingDisplay: 'at bedtime',
    text: `${OXYCODONE_ER_START_MG.max} mg at bedtime; titrate slowly by symptoms. Complete the opioid safety checks first.`,
  });
}

/** Draft methadone 5 mg once daily (the low end of the guideline's 5-10 mg daily). */
export function methadoneStartOrder(patientId: string): MedicationRequest {
  return oralOrder(patientId, SUGGESTED_PRODUCTS.methadone5, {
    value: METHADONE_MG_PER_DAY.min,
    unit: 'mg',
    timingCode: 'QD',
    timingDisplay: 'once daily',
    text: `${METHADONE_MG_PER_DAY.min} mg once daily; titrate slowly, at most ${METHADONE_MG_PER_DAY.max} mg/day to start. Complete the opioid safety checks first.`,
  });
}

/** Draft docusate 50 mg / sennosides 8.6 mg tablet at bedtime, as constipation prophylaxis on an opioid. */
export function laxativeOrder(patientId: string): MedicationRequest {
  return oralOrder(patientId, SUGGESTED_PRODUCTS.docusateSenna, {
    value: 1,
    unit: 'tablet',
    timingCode: 'QHS',
    timingDisplay: 'at bedtime',
    text: '1 tablet at bedtime while taking an opioid; adjust to bowel habit',
  });
}
