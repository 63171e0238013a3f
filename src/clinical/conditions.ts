/**
 * Conditions to facts: is the patient's RLS, ESRD, OSA, OUD or pregnancy
 * active, honoring clinical and verification status.
 */
import type { CodeableConcept, Condition } from 'fhir/r4.js';
import { type CompiledValueSet, SYSTEM, inValueSet } from './terminology.js';

/** A condition the rules rely on, with what matched and when it was recorded. */
export interface ConditionFact {
  readonly display: string;
  readonly code?: string;
  /** onset, or else recorded date, as given in the record (ISO 8601). */
  readonly date?: string;
  /** True when the match came from the text only (no coding matched). */
  readonly matchedByText: boolean;
}

/** Clinical statuses that count as present. An absent clinicalStatus also counts (rule catalog). */
const ACTIVE_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
/** Verification statuses that exclude a condition. */
const EXCLUDED_VERIFICATION = new Set(['entered-in-error', 'refuted']);

function statusCode(cc: CodeableConcept | undefined, system: string): string | undefined {
  const coding = cc?.coding?.find((c) => c.system === system) ?? cc?.coding?.[0];
  return coding?.code;
}

/** True when the condition is current: clinically active (or unstated) and not refuted or entered in error. */
export function isConditionActive(condition: Condition): boolean {
  const verification = statusCode(condition.verificationStatus, SYSTEM.conditionVerification);
  if (verification && EXCLUDED_VERIFICATION.has(verification)) return false;
  const clinical = statusCode(condition.clinicalStatus, SYSTEM.conditionClinical);
  return clinical === undefined || ACTIVE_CLINICAL.has(clinical);
}

/** True when the condition was entered in error: such a record is ignored everywhere. */
export function isEnteredInError(condition: Condition): boolean {
  return statusCode(condition.verificationStatus, SYSTEM.conditionVerification) === 'entered-in-error';
}

/** The value when it is a string (records from the wire may carry anything). */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Matches a CodeableConcept against a value set by code, then by text. */
export function matchConcept(
  cc: CodeableConcept | undefined,
  vs: CompiledValueSet,
): { code?: string; display: string; matchedByText: boolean } | undefined {
  if (!cc) return undefined;
  for (const coding of cc.coding ?? []) {
    if (inValueSet(vs, coding.system, coding.code)) {
      return {
        code: coding.code,
        display: str(coding.display) ?? str(cc.text) ?? vs.name,
        matchedByText: false,
      };
    }
  }
  const text = [cc.text, ...(cc.coding ?? []).map((c) => c.display)]
    .filter((t): t is string => typeof t === 'string')
    .join(' ')
    .toLowerCase();
  if (text && (vs.text ?? []).some((fragment) => text.includes(fragment))) {
    return { display: str(cc.text) ?? vs.name, matchedByText: true };
  }
  return undefined;
}

/**
 * The most recent active condition of the value set, or undefined.
 * Conditions that are resolved, refuted or entered in error never count.
 */
export function findActiveCondition(
  conditions: readonly Condition[],
  vs: CompiledValueSet,
): ConditionFact | undefined {
  let found: ConditionFact | undefined;
  for (const condition of conditions) {
    if (!isConditionActive(condition)) continue;
    const match = matchConcept(condition.code, vs);
    if (!match) continue;
    const date = str(condition.onsetDateTime) ?? str(condition.recordedDate);
    const fact: ConditionFact = { ...match, ...(date ? { date } : {}) };
    // Prefer a coded match over a text match, then the most recent.
    if (
      !found ||
      (found.matchedByText && !fact.matchedByText) ||
      (found.matchedByText === fact.matchedByText && (fact.date ?? '') > (found.date ?? ''))
    ) {
      found = fact;
    }
  }
  return found;
}
