/**
 * Conditions to facts: is the patient's RLS, ESRD, OSA, OUD or pregnancy
 * active, honoring clinical and verification status.
 */
import type { CodeableConcept, Condition } from 'fhir/r4.js';
import { type CompiledValueSet, SYSTEM, inValueSet } from '../knowledge/terminology.js';
import { parseFhirTime } from './time.js';

/** A condition the rules rely on, with what matched and when it was recorded. */
export interface ConditionFact {
  readonly display: string;
  readonly code?: string;
  /** onset, or else recorded date, as given in the record (ISO 8601). */
  readonly date?: string;
  /** True when the match came from the text only (no coding matched). */
  readonly matchedByText: boolean;
  /** The clinical status code as recorded (absent when the record gives none). */
  readonly clinicalStatus?: string;
}

/** Clinical statuses that count as present. An absent clinicalStatus also counts (catalog policy, docs/clinical.md). */
const ACTIVE_CLINICAL = new Set(['active', 'recurrence', 'relapse']);
/** Verification statuses that exclude a condition. */
const EXCLUDED_VERIFICATION = new Set(['entered-in-error', 'refuted']);

function statusCode(cc: CodeableConcept | undefined, system: string): string | undefined {
  const coding = cc?.coding?.find((c) => c.system === system) ?? cc?.coding?.[0];
  return coding?.code;
}

/** The clinical status code of a condition, when recorded. */
export function clinicalStatusOf(condition: Condition): string | undefined {
  return str(statusCode(condition.clinicalStatus, SYSTEM.conditionClinical));
}

/**
 * True when the condition is current: clinically active (or unstated), or in
 * remission when `remission` is true, and not refuted or entered in error.
 */
export function isConditionActive(condition: Condition, remission = false): boolean {
  const verification = statusCode(condition.verificationStatus, SYSTEM.conditionVerification);
  if (verification && EXCLUDED_VERIFICATION.has(verification)) return false;
  const clinical = clinicalStatusOf(condition);
  return clinical === undefined || ACTIVE_CLINICAL.has(clinical) || (remission && clinical === 'remission');
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

/** How `findActiveCondition` reads the problem list. */
export interface FindOptions {
  /** Count conditions whose clinical status is `remission` too. */
  readonly remission?: boolean;
  /** Count a text-only match only when no record (of any status, not entered in error) is coded in the value set. */
  readonly textOnlyWhenNoCoded?: boolean;
  /** Count only conditions with onset or recorded date at or after this time (epoch ms); undated ones still count. */
  readonly since?: number;
}

function hasCodedRecord(conditions: readonly Condition[], vs: CompiledValueSet): boolean {
  return conditions.some(
    (c) =>
      !isEnteredInError(c) &&
      (c.code?.coding ?? []).some((coding) => inValueSet(vs, coding.system, coding.code)),
  );
}

/**
 * The most recent active condition of the value set, or undefined.
 * Conditions that are resolved, refuted or entered in error never count.
 */
export function findActiveCondition(
  conditions: readonly Condition[],
  vs: CompiledValueSet,
  options: FindOptions = {},
): ConditionFact | undefined {
  let found: ConditionFact | undefined;
  let coded: boolean | undefined;
  for (const condition of conditions) {
    if (!isConditionActive(condition, options.remission)) continue;
    const match = matchConcept(condition.code, vs);
    if (!match) continue;
    if (match.matchedByText && options.textOnlyWhenNoCoded) {
      coded ??= hasCodedRecord(conditions, vs);
      if (coded) continue;
    }
    const date = str(condition.onsetDateTime) ?? str(condition.recordedDate);
    if (options.since !== undefined && date !== undefined) {
      const t = parseFhirTime(date);
      if (t !== undefined && t < options.since) continue;
    }
    const clinicalStatus = clinicalStatusOf(condition);
    const fact: ConditionFact = {
      ...match,
      ...(date ? { date } : {}),
      ...(clinicalStatus ? { clinicalStatus } : {}),
    };
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
