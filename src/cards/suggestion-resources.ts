/**
 * The FHIR R4 resources that suggestions create: complete draft orders with
 * codes from the terminology module and the drug catalog.
 */
import type { MedicationRequest, ServiceRequest } from 'fhir/r4.js';
import { product } from '../clinical/drug-catalog.js';
import { IRON_STUDY_ORDER, RLS, SYSTEM } from '../clinical/terminology.js';
import { FERRIC_CARBOXYMALTOSE_DOSE_MG, IRON_SUPPLEMENT_HOLD_HOURS } from '../clinical/thresholds.js';

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

function ivIronOrder(
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
  return ivIronOrder(patientId, '1435169', [
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
  return ivIronOrder(patientId, '1741267', [
    {
      text: 'Intravenous, with dialysis; dose and number of doses per the dialysis unit protocol',
      route: { text: 'intravenous' },
    },
  ]);
}
