/**
 * MedicationRequest / MedicationStatement to facts: which RLS-relevant
 * ingredient, which class, the daily dose in mg where computable, status and
 * start date.
 */
import type {
  CodeableConcept,
  Dosage,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Reference,
} from 'fhir/r4.js';
import { type DrugClass, type Ingredient, lookupRxcui, lookupText } from './drug-catalog.js';
import { type DailyDose, type Strength, boundedText, dailyDose, strengthFromText } from './dose.js';
import { str } from './conditions.js';
import { parseFhirTime } from './time.js';

/** One medication order or statement, as the rules see it. */
export interface MedicationFact {
  readonly ingredient: Ingredient;
  readonly classes: readonly DrugClass[];
  /** `MedicationRequest/123` or `MedicationStatement/abc`. */
  readonly reference: string;
  readonly resourceType: 'MedicationRequest' | 'MedicationStatement';
  readonly status: string;
  /** Product or text as written in the record, for the card. */
  readonly display: string;
  readonly dose: DailyDose;
  /** authoredOn (requests) or effective start (statements), as recorded. */
  readonly start?: string;
  readonly startTime?: number;
  /** True when the ingredient was recognised from text because no code matched. */
  readonly matchedByText: boolean;
  /** The indications written on the order (reasonCode), for rules that care why a drug is given. */
  readonly reasons: readonly CodeableConcept[];
}

/** Finds the Medication a reference points at: contained (`#id`) first, then the resolver. */
export type MedicationResolver = (reference: string) => Medication | undefined;

function resolveReference(
  ref: Reference | undefined,
  contained: readonly unknown[] | undefined,
  resolve: MedicationResolver,
): Medication | undefined {
  const r = ref?.reference;
  if (!r) return undefined;
  if (r.startsWith('#')) {
    const id = r.slice(1);
    return (contained ?? []).find(
      (c): c is Medication =>
        typeof c === 'object' &&
        c !== null &&
        (c as Medication).resourceType === 'Medication' &&
        (c as Medication).id === id,
    );
  }
  return resolve(r);
}

interface Identified {
  ingredient: Ingredient;
  strength?: Strength;
  display: string;
  matchedByText: boolean;
}

/** Identifies the ingredient (and product strength) of a medication concept, by code first, then by text. */
export function identify(
  concept: CodeableConcept | undefined,
  medication?: Medication,
): Identified | undefined {
  const cc = concept ?? medication?.code;
  const display = str(cc?.text) ?? str(cc?.coding?.find((c) => typeof c.display === 'string')?.display) ?? '';
  for (const coding of cc?.coding ?? []) {
    const match = lookupRxcui(coding.system, coding.code);
    if (!match) continue;
    const strength: Strength | undefined = match.product
      ? { mg: match.product.mg, basis: match.product.basis, from: `RxNorm ${match.product.rxcui}` }
      : (strengthFromMedication(medication) ?? textStrength(display || coding.display, match.ingredient.id));
    return {
      ingredient: match.ingredient,
      ...(strength ? { strength } : {}),
      display: display || match.product?.display || match.ingredient.display,
      matchedByText: false,
    };
  }
  const texts = [cc?.text, ...(cc?.coding ?? []).map((c) => c.display)];
  for (const text of texts) {
    const ingredient = lookupText(text);
    if (!ingredient) continue;
    const strength = strengthFromMedication(medication) ?? textStrength(text, ingredient.id);
    return {
      ingredient,
      ...(strength ? { strength } : {}),
      display: text ?? ingredient.display,
      matchedByText: true,
    };
  }
  return undefined;
}

function textStrength(text: string | undefined, ingredientId: string): Strength | undefined {
  const s = strengthFromText(text, ingredientId);
  return s ? { ...s, from: `text "${boundedText(text) ?? ''}"` } : undefined;
}

/** A Medication's single ingredient strength in mg per tablet (numerator mg, denominator one unit). */
function strengthFromMedication(medication: Medication | undefined): Strength | undefined {
  const ingredients = medication?.ingredient ?? [];
  if (ingredients.length !== 1) return undefined;
  const ratio = ingredients[0]?.strength;
  const num = ratio?.numerator;
  const den = ratio?.denominator;
  if (typeof num?.value !== 'number' || (num.code ?? num.unit ?? '').toLowerCase() !== 'mg') return undefined;
  if (den && den.value !== undefined && den.value !== 1) return undefined;
  // Only "mg per tablet/capsule"; a strength per mL or per patch is not a per-unit strength.
  const denUnit = (den?.code ?? den?.unit ?? '').toLowerCase();
  if (
    denUnit &&
    !['1', 'tab', 'tablet', '{tbl}', 'cap', 'capsule', '{cap}', 'each', '{each}'].includes(denUnit)
  )
    return undefined;
  return { mg: num.value, basis: 'unit', from: 'Medication.ingredient strength' };
}

/** A reason CodeableConcept the rules can read: an object whose coding (if any) is an array of objects. */
function isConcept(cc: unknown): cc is CodeableConcept {
  if (typeof cc !== 'object' || cc === null) return false;
  const { coding, text } = cc as { coding?: unknown; text?: unknown };
  if (text !== undefined && typeof text !== 'string') return false;
  return (
    coding === undefined ||
    (Array.isArray(coding) && coding.every((c) => typeof c === 'object' && c !== null))
  );
}

function build(
  resourceType: MedicationFact['resourceType'],
  id: string | undefined,
  status: string | undefined,
  identified: Identified | undefined,
  dosage: readonly Dosage[] | undefined,
  start: string | undefined,
  reasons: readonly CodeableConcept[] | undefined,
): MedicationFact | undefined {
  if (!identified) return undefined;
  start = str(start);
  const startTime = parseFhirTime(start);
  return {
    ingredient: identified.ingredient,
    classes: identified.ingredient.classes,
    reference: `${resourceType}/${id ?? 'unknown'}`,
    resourceType,
    status: status ?? 'unknown',
    display: identified.display,
    dose: dailyDose(dosage, identified.strength),
    ...(start ? { start } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    matchedByText: identified.matchedByText,
    reasons: (Array.isArray(reasons) ? reasons : []).filter(isConcept),
  };
}

/**
 * The drug of a request or statement: its medicationCodeableConcept, or the
 * Medication its medicationReference reaches (contained or resolved), or at
 * last the reference's display text.
 */
function identifyOrdered(
  r: Pick<MedicationRequest, 'medicationCodeableConcept' | 'medicationReference' | 'contained'>,
  resolve: MedicationResolver,
): Identified | undefined {
  const medication = r.medicationReference
    ? resolveReference(r.medicationReference, r.contained, resolve)
    : undefined;
  return (
    identify(r.medicationCodeableConcept, medication) ??
    (r.medicationReference?.display ? identify({ text: r.medicationReference.display }) : undefined)
  );
}

/** A MedicationRequest as a fact, or undefined when it is not an RLS-relevant drug. */
export function fromMedicationRequest(
  mr: MedicationRequest,
  resolve: MedicationResolver,
): MedicationFact | undefined {
  return build(
    'MedicationRequest',
    mr.id,
    mr.status,
    identifyOrdered(mr, resolve),
    mr.dosageInstruction,
    mr.authoredOn,
    mr.reasonCode,
  );
}

/** A MedicationStatement as a fact, or undefined when it is not an RLS-relevant drug. */
export function fromMedicationStatement(
  ms: MedicationStatement,
  resolve: MedicationResolver,
): MedicationFact | undefined {
  const identified = identifyOrdered(ms, resolve);
  const start = ms.effectiveDateTime ?? ms.effectivePeriod?.start ?? ms.dateAsserted;
  return build('MedicationStatement', ms.id, ms.status, identified, ms.dosage, start, ms.reasonCode);
}

const ACTIVE_REQUEST = new Set(['active', 'on-hold']);
const EXCLUDED_FROM_HISTORY = new Set(['entered-in-error', 'cancelled', 'draft']);

/** Active now: requests active or on hold, statements active (rule catalog). */
export function isActive(fact: MedicationFact): boolean {
  return fact.resourceType === 'MedicationRequest'
    ? ACTIVE_REQUEST.has(fact.status)
    : fact.status === 'active';
}

/** Part of the medication history: any status except entered-in-error, cancelled or draft. */
export function isHistory(fact: MedicationFact): boolean {
  return (
    !EXCLUDED_FROM_HISTORY.has(fact.status) &&
    !(fact.resourceType === 'MedicationStatement' && fact.status === 'not-taken')
  );
}
