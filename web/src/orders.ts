/**
 * Draft orders as FHIR R4 resources: what the composer makes, and plain-words
 * descriptions of any resource a suggestion creates.
 */
import type { CodeableConcept, FhirResource, MedicationRequest, Timing } from 'fhir/r4.js';
import type { OrderableView } from '../../src/demo/simulator/api-types.js';

import { RLS, SYSTEM } from '../../src/knowledge/terminology.js';

const RXNORM = SYSTEM.rxnorm;
const UCUM = SYSTEM.ucum;
const GTS = SYSTEM.timingAbbreviation;

/** A frequency the composer offers, as FHIR Timing. */
export interface Frequency {
  readonly code: string;
  readonly label: string;
  readonly timing: Timing;
}

const every = (
  code: string,
  label: string,
  frequency: number,
  period = 1,
  when?: Timing['repeat'],
): Frequency => ({
  code,
  label,
  timing: {
    repeat: { frequency, period, periodUnit: 'd', ...(when ?? {}) },
    code: { coding: [{ system: GTS, code }], text: label },
  },
});

export const FREQUENCIES: readonly Frequency[] = [
  every('QHS', 'at bedtime', 1, 1, { when: ['HS'] }),
  every('QD', 'once daily', 1),
  every('BID', 'twice daily', 2),
  every('TID', 'three times daily', 3),
  every('QID', 'four times daily', 4),
  every('QOD', 'every other day', 1, 2),
];

/** Indications the composer can write on the order (reasonCode). */
export const INDICATIONS: readonly { id: string; label: string; concept?: CodeableConcept }[] = [
  {
    id: 'rls',
    label: 'Restless legs syndrome',
    concept: {
      coding: RLS.codes.map((c) => ({ system: c.system, code: c.code, display: c.display })),
      text: 'Restless legs syndrome',
    },
  },
  {
    id: 'hyperprolactinemia',
    label: 'Hyperprolactinemia',
    // Text only: no verified code for hyperprolactinemia is known (docs/clinical.md, evidence tags).
    concept: { text: 'Hyperprolactinemia' },
  },
  { id: 'none', label: 'No indication given' },
];

/** What the composer collected. */
export interface ComposedOrder {
  readonly orderable: OrderableView;
  /** The product's RxNorm code, or undefined for "ingredient, dose in mg". */
  readonly productRxcui?: string;
  readonly doseMg: number;
  readonly frequency: Frequency;
  readonly indicationId: string;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** A draft MedicationRequest for the composed order. */
export function draftMedicationRequest(
  order: ComposedOrder,
  ids: { id: string; patientId: string; userId: string },
  now: Date,
): MedicationRequest {
  const product = order.orderable.products.find((p) => p.rxcui === order.productRxcui);
  const coding = product
    ? { system: RXNORM, code: product.rxcui, display: product.display }
    : { system: RXNORM, code: order.orderable.rxcui, display: order.orderable.display };
  const reason = INDICATIONS.find((i) => i.id === order.indicationId)?.concept;
  return {
    resourceType: 'MedicationRequest',
    id: ids.id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: { coding: [coding], text: coding.display },
    subject: { reference: `Patient/${ids.patientId}` },
    authoredOn: now.toISOString(),
    requester: { reference: ids.userId },
    ...(reason ? { reasonCode: [reason] } : {}),
    dosageInstruction: [
      {
        text: `${trim(order.doseMg)} mg ${order.frequency.label}`,
        timing: order.frequency.timing,
        doseAndRate: [{ doseQuantity: { value: order.doseMg, unit: 'mg', system: UCUM, code: 'mg' } }],
      },
    ],
  };
}

function conceptText(c: CodeableConcept | undefined): string | undefined {
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code;
}

/** A one-line description of an order or other resource, for the chart and for suggestion actions. */
export function describeResource(r: FhirResource): string {
  switch (r.resourceType) {
    case 'MedicationRequest': {
      const drug = conceptText(r.medicationCodeableConcept) ?? r.medicationReference?.display ?? 'medication';
      const sig = r.dosageInstruction
        ?.map((d) => d.text)
        .filter(Boolean)
        .join('; ');
      return sig ? `${drug}: ${sig}` : drug;
    }
    case 'ServiceRequest':
      return conceptText(r.code) ?? 'service request';
    case 'MedicationStatement':
      return conceptText(r.medicationCodeableConcept) ?? 'medication statement';
    case 'Condition':
      return conceptText(r.code) ?? 'condition';
    default:
      return `${r.resourceType}${r.id ? `/${r.id}` : ''}`;
  }
}

/** `Type/id` of a resource. */
export function referenceOf(r: FhirResource): string {
  return `${r.resourceType}/${r.id ?? ''}`;
}

/**
 * Normalises a suggestion's resourceId (relative `Type/id`, an absolute URL
 * ending in `Type/id`, or a bare id) to `Type/id` or a bare id.
 */
export function normaliseResourceId(resourceId: string): string {
  const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(resourceId);
  return m?.[1] ?? resourceId;
}
