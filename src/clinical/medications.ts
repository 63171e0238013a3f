/**
 * MedicationRequest / MedicationStatement to facts: which RLS-relevant
 * ingredient, which class, the daily dose in mg where computable, status and
 * start date.
 */
import type {
  CodeableConcept,
  Dosage,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Reference,
} from 'fhir/r4.js';
import { type DrugClass, type Ingredient, lookupRxcui, lookupText } from '../knowledge/drug-catalog.js';
import {
  type DailyDose,
  type Strength,
  boundedText,
  dailyDose,
  sigFrequency,
  sigTimes,
  strengthFromText,
} from './dose.js';
import { str } from './conditions.js';
import { parseFhirTime } from './time.js';

/** Stands for the id of a resource sent without one, in references built from it. */
export const MISSING_ID = 'unknown';

/** Whether a reference built from a resource names it by its id (a delete suggestion needs that). */
export function referenceHasId(reference: string): boolean {
  return !reference.endsWith(`/${MISSING_ID}`);
}

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
  /**
   * The times of day the drug is taken, for telling a replacement from an added
   * dose: "bedtime", "morning", "17:00", "schedule" (a frequency with no time,
   * e.g. BID), "patch" (a 24-hour patch). Empty when nothing says when.
   */
  readonly timeSlots?: readonly string[];
  /** The orders this one replaces (priorPrescription), as `MedicationRequest/id` without version. */
  readonly priorPrescriptions?: readonly string[];
  /** True when every dosage line is as needed (asNeededBoolean). */
  readonly asNeeded?: boolean;
  /** When the dispensed supply runs out (epoch ms), when the order says how much it supplies. */
  readonly supplyEnd?: number;
  /** How the supply end was worked out, for the card. */
  readonly supplyHow?: string;
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
  // Shown on cards as written, but never more than the part that was read.
  const display =
    boundedText(str(cc?.text) ?? str(cc?.coding?.find((c) => typeof c.display === 'string')?.display)) ?? '';
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
      display: boundedText(text) ?? ingredient.display,
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
  request?: MedicationRequest,
): MedicationFact | undefined {
  if (!identified) return undefined;
  start = str(start);
  const startTime = parseFhirTime(start);
  const dose = dailyDose(dosage, identified.strength);
  const lines: readonly Dosage[] = Array.isArray(dosage) ? dosage : [];
  const slots = timeSlots(lines, identified.strength);
  const prior = request ? priorPrescriptionRefs(request) : [];
  const supply = request ? supplyEndOf(request, dose, identified.strength, startTime) : undefined;
  return {
    ingredient: identified.ingredient,
    classes: identified.ingredient.classes,
    reference: `${resourceType}/${id ?? MISSING_ID}`,
    resourceType,
    status: status ?? 'unknown',
    display: identified.display,
    dose,
    ...(start ? { start } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    matchedByText: identified.matchedByText,
    reasons: (Array.isArray(reasons) ? reasons : []).filter(isConcept),
    timeSlots: slots,
    ...(prior.length ? { priorPrescriptions: prior } : {}),
    ...(lines.length > 0 && lines.every((d) => d.asNeededBoolean === true) ? { asNeeded: true } : {}),
    ...(supply ? { supplyEnd: supply.end, supplyHow: supply.how } : {}),
  };
}

/** Slots for timing codes: a time of day, or "schedule" for a frequency that names no time. */
const CODE_SLOTS: Readonly<Record<string, string>> = {
  QHS: 'bedtime',
  HS: 'bedtime',
  BED: 'bedtime',
  QAM: 'morning',
  AM: 'morning',
  QPM: 'evening',
  PM: 'evening',
};

/** Slots for Timing.repeat.when event codes (FHIR event-timing). */
const WHEN_SLOTS: Readonly<Record<string, string>> = {
  HS: 'bedtime',
  NIGHT: 'bedtime',
  PHS: 'bedtime',
  MORN: 'morning',
  'MORN.early': 'morning',
  'MORN.late': 'morning',
  WAKE: 'morning',
  C: 'meal',
  CM: 'morning',
  ACM: 'morning',
  PCM: 'morning',
  NOON: 'noon',
  CD: 'noon',
  ACD: 'noon',
  PCD: 'noon',
  AFT: 'afternoon',
  'AFT.early': 'afternoon',
  'AFT.late': 'afternoon',
  EVE: 'evening',
  'EVE.early': 'evening',
  'EVE.late': 'evening',
  CV: 'evening',
  ACV: 'evening',
  PCV: 'evening',
};

/** The times of day of the dosage lines: structured timing first, then the sig text. */
export function timeSlots(lines: readonly Dosage[], strength: Strength | undefined): string[] {
  const slots = new Set<string>();
  for (const line of lines) {
    const timing = line.timing;
    const codes = [timing?.code?.text, ...(timing?.code?.coding ?? []).map((c) => c.code)]
      .filter((c): c is string => typeof c === 'string')
      .map((c) => c.slice(0, 16).trim().toUpperCase());
    const when = ((timing?.repeat?.when ?? []) as unknown[]).filter(
      (w): w is string => typeof w === 'string',
    );
    const times = (timing?.repeat?.timeOfDay ?? []).filter((t): t is string => typeof t === 'string');
    const found: string[] = [...when.map((w) => WHEN_SLOTS[w] ?? w), ...times.map((t) => t.slice(0, 5))];
    if (found.length === 0) {
      for (const code of codes) {
        const slot = CODE_SLOTS[code];
        if (slot) found.push(slot);
        else if (/^(?:QD|DAILY|BID|TID|QID|QOD|Q\d{1,2}H)$/.test(code)) found.push('schedule');
      }
    }
    if (
      found.length === 0 &&
      (timing?.repeat?.frequency !== undefined || timing?.repeat?.period !== undefined)
    )
      found.push('schedule');
    if (found.length === 0) {
      const sig = [boundedText(line.text), boundedText(line.patientInstruction)].filter(Boolean).join('; ');
      const named = sigTimes(sig);
      if (named.length > 0) found.push(...named);
      else if ('perDay' in sigFrequency(sig)) found.push('schedule');
    }
    found.forEach((x) => slots.add(x));
  }
  if (strength?.basis === 'per-24h') slots.add('patch');
  return [...slots];
}

/** `Type/id` of a reference, without base URL or version (`.../MedicationRequest/7/_history/3` → `MedicationRequest/7`). */
export function plainReference(reference: string | undefined): string | undefined {
  const r = boundedText(reference);
  if (!r) return undefined;
  const parts = r.split('/').filter((p) => p !== '');
  const history = parts.indexOf('_history');
  const upTo = history >= 0 ? parts.slice(0, history) : parts;
  const id = upTo[upTo.length - 1];
  const type = upTo[upTo.length - 2];
  return id && type ? `${type}/${id}` : undefined;
}

function priorPrescriptionRefs(mr: MedicationRequest): string[] {
  const ref = plainReference(mr.priorPrescription?.reference);
  return ref ? [ref] : [];
}

const DAYS_PER_UNIT: Readonly<Record<string, number>> = {
  d: 1,
  day: 1,
  days: 1,
  wk: 7,
  week: 7,
  weeks: 7,
  mo: 30,
  month: 30,
  months: 30,
};

/**
 * When the dispensed supply of an order runs out: the start of the supply
 * (validity period start, else authoredOn) plus the expected supply duration,
 * or plus the quantity divided by the daily dose. Undefined when the order
 * does not say.
 */
function supplyEndOf(
  mr: MedicationRequest,
  dose: DailyDose,
  strength: Strength | undefined,
  authored: number | undefined,
): { end: number; how: string } | undefined {
  const dispense = mr.dispenseRequest;
  if (!dispense) return undefined;
  const startText = str(dispense.validityPeriod?.start);
  const start = parseFhirTime(startText) ?? authored;
  if (start === undefined) return undefined;
  const duration = dispense.expectedSupplyDuration;
  const unit = (str(duration?.code) ?? str(duration?.unit) ?? 'd').toLowerCase();
  const perUnit = DAYS_PER_UNIT[unit];
  // Refills extend the supply: the first fill plus each allowed repeat.
  const repeats = dispense.numberOfRepeatsAllowed;
  const fills = typeof repeats === 'number' && repeats > 0 && repeats < 100 ? 1 + Math.floor(repeats) : 1;
  const refills = fills > 1 ? ` × ${fills} fills` : '';
  if (typeof duration?.value === 'number' && duration.value > 0 && perUnit !== undefined) {
    const days = duration.value * perUnit * fills;
    return {
      end: start + days * 86_400_000,
      how: `expected supply of ${duration.value * perUnit} days${refills} = ${days} days`,
    };
  }
  const q = dispense.quantity;
  if (typeof q?.value !== 'number' || !(q.value > 0) || !dose.known || !(dose.mgPerDay > 0)) return undefined;
  const qUnit = (str(q.code) ?? str(q.unit) ?? '').toLowerCase();
  let mg: number | undefined;
  if (qUnit === 'mg') mg = q.value;
  else if (strength && strength.basis !== 'per-mL' && !['ml', 'l', 'g'].includes(qUnit))
    mg = q.value * strength.mg;
  if (mg === undefined) return undefined;
  const days = Math.floor(mg / dose.mgPerDay) * fills;
  return {
    end: start + days * 86_400_000,
    how: `quantity ${q.value} ${str(q.unit) ?? ''} at ${dose.mgPerDay} mg/day${refills} = ${days} days`.replace(
      '  ',
      ' ',
    ),
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
    mr,
  );
}

/** A dose of a drug given (MedicationAdministration), as the iron rules see it. */
export interface AdministrationFact {
  readonly ingredient: Ingredient;
  readonly reference: string;
  readonly status: string;
  readonly display: string;
  /** effective[x] (the administration time), as recorded. */
  readonly date?: string;
}

/** A MedicationAdministration as a fact, or undefined when it is not an RLS-relevant drug. */
export function fromMedicationAdministration(
  ma: MedicationAdministration,
  resolve: MedicationResolver,
): AdministrationFact | undefined {
  const identified = identifyOrdered(ma, resolve);
  if (!identified) return undefined;
  const date = str(ma.effectiveDateTime) ?? str(ma.effectivePeriod?.start);
  return {
    ingredient: identified.ingredient,
    reference: `MedicationAdministration/${ma.id ?? MISSING_ID}`,
    status: ma.status,
    display: identified.display,
    ...(date ? { date } : {}),
  };
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

/** Active now: requests active or on hold, statements active (catalog policy, docs/clinical.md). */
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
