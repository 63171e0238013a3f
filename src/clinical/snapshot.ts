/**
 * The patient snapshot: typed clinical facts built once per hook call from the
 * FHIR data gathered for it. Pure: the same data and clock give the same snapshot.
 */
import type {
  Condition,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
} from 'fhir/r4.js';
import { type ConditionFact, findActiveCondition } from './conditions.js';
import { type LabFinding, latestFerritin, latestTsat } from './labs.js';
import {
  type MedicationFact,
  fromMedicationRequest,
  fromMedicationStatement,
  isActive,
  isHistory,
} from './medications.js';
import { ESRD, IRLS, OPIOID_USE_DISORDER, OSA, PREGNANCY, RLS, inValueSet } from './terminology.js';
import { isUsableStatus, observationTime } from './time.js';

/** Everything gathered for one call, already filtered to this patient. */
export interface PatientData {
  readonly patientId: string;
  readonly patient?: Patient;
  readonly conditions: readonly Condition[];
  readonly observations: readonly Observation[];
  readonly medicationRequests: readonly MedicationRequest[];
  readonly medicationStatements: readonly MedicationStatement[];
  /** Medications that requests and statements reference, by every reference form that reaches them. */
  readonly medications: ReadonlyMap<string, Medication>;
  /** Data that could not be obtained (optional prefetch keys), named for the cards. */
  readonly unavailable: readonly string[];
}

/** A draft order under review at order-select / order-sign. */
export interface DraftOrderFact extends MedicationFact {
  /** True when the order is in `selections` (order-select) or the hook is order-sign. */
  readonly selected: boolean;
}

/** An IRLS total score. */
export interface ScoreFact {
  readonly value: number;
  readonly effective: string;
  readonly time: number;
}

/** The typed clinical facts the rules read. */
export interface PatientSnapshot {
  readonly patientId: string;
  readonly now: Date;
  readonly rls?: ConditionFact;
  readonly esrd?: ConditionFact;
  readonly osa?: ConditionFact;
  readonly opioidUseDisorder?: ConditionFact;
  readonly pregnancy?: ConditionFact;
  readonly ferritin: LabFinding;
  readonly tsat: LabFinding;
  readonly activeMedications: readonly MedicationFact[];
  readonly medicationHistory: readonly MedicationFact[];
  readonly irlsScores: readonly ScoreFact[];
  readonly draftOrders: readonly DraftOrderFact[];
  readonly unavailable: readonly string[];
}

/** The draft orders of an order hook: the Bundle and, for order-select, the selected references. */
export interface DraftOrders {
  readonly medicationRequests: readonly MedicationRequest[];
  /** `MedicationRequest/id` references being selected now; undefined means every draft (order-sign). */
  readonly selections?: readonly string[];
}

function irlsScores(observations: readonly Observation[]): ScoreFact[] {
  const scores: ScoreFact[] = [];
  for (const obs of observations) {
    if (!isUsableStatus(obs.status)) continue;
    if (!(obs.code?.coding ?? []).some((c) => inValueSet(IRLS, c.system, c.code))) continue;
    const value = obs.valueQuantity?.value ?? obs.valueInteger;
    const when = observationTime(obs);
    if (typeof value !== 'number' || !when) continue;
    scores.push({ value, ...when });
  }
  return scores.sort((a, b) => a.time - b.time);
}

/** Builds the snapshot. `now` is injected so that freshness rules can be tested on a fixed clock. */
export function buildSnapshot(data: PatientData, now: Date, drafts?: DraftOrders): PatientSnapshot {
  const resolve = (reference: string): Medication | undefined => data.medications.get(reference);
  const facts: MedicationFact[] = [];
  for (const mr of data.medicationRequests) {
    const fact = fromMedicationRequest(mr, resolve);
    if (fact) facts.push(fact);
  }
  for (const ms of data.medicationStatements) {
    const fact = fromMedicationStatement(ms, resolve);
    if (fact) facts.push(fact);
  }

  const draftOrders: DraftOrderFact[] = [];
  const selections = drafts?.selections ? new Set(drafts.selections) : undefined;
  for (const mr of drafts?.medicationRequests ?? []) {
    if (mr.status === 'entered-in-error' || mr.status === 'cancelled') continue;
    const fact = fromMedicationRequest(mr, resolve);
    if (!fact) continue;
    draftOrders.push({ ...fact, selected: !selections || selections.has(fact.reference) });
  }

  const rls = findActiveCondition(data.conditions, RLS);
  const esrd = findActiveCondition(data.conditions, ESRD);
  const osa = findActiveCondition(data.conditions, OSA);
  const opioidUseDisorder = findActiveCondition(data.conditions, OPIOID_USE_DISORDER);
  const pregnancy = findActiveCondition(data.conditions, PREGNANCY);
  return {
    patientId: data.patientId,
    now,
    ...(rls ? { rls } : {}),
    ...(esrd ? { esrd } : {}),
    ...(osa ? { osa } : {}),
    ...(opioidUseDisorder ? { opioidUseDisorder } : {}),
    ...(pregnancy ? { pregnancy } : {}),
    ferritin: latestFerritin(data.observations, now),
    tsat: latestTsat(data.observations, now),
    activeMedications: facts.filter(isActive),
    medicationHistory: facts.filter(isHistory),
    irlsScores: irlsScores(data.observations),
    draftOrders,
    unavailable: data.unavailable,
  };
}
