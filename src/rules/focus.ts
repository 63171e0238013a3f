/**
 * Which medications a rule looks at on each hook: the current therapy at
 * patient-view (active medications and completed orders still current), the
 * selected draft orders at order-select and order-sign.
 */
import type { MedicationFact } from '../clinical/medications.js';
import type { DraftOrderFact, PatientSnapshot } from '../clinical/snapshot.js';
import type { Hook } from '../protocol/types.js';
import { medication } from './describe.js';

/** Selected draft orders matching the predicate. */
export function selectedDrafts(s: PatientSnapshot, pred: (m: MedicationFact) => boolean): DraftOrderFact[] {
  return s.draftOrders.filter((d) => d.selected && pred(d));
}

/** The current therapy at patient-view, selected drafts at order time. */
export function inFocus(
  s: PatientSnapshot,
  hook: Hook,
  pred: (m: MedicationFact) => boolean,
): MedicationFact[] {
  return hook === 'patient-view' ? s.currentTherapy.filter(pred) : selectedDrafts(s, pred);
}

/**
 * What the patient is taking or will take: the current therapy (active
 * medications and completed orders still current), plus at order time the
 * selected drafts.
 */
export function activePlusDrafts(s: PatientSnapshot, hook: Hook): MedicationFact[] {
  return hook === 'patient-view'
    ? [...s.currentTherapy]
    : [...s.currentTherapy, ...selectedDrafts(s, () => true)];
}

/**
 * Why a completed order counts as current therapy ("completed order still
 * current: authored 2026-10-02, 30 days ago (within 90 days)"), or undefined
 * when the medication is not one of the snapshot's completed orders still current.
 */
export function completedWhy(s: PatientSnapshot, m: MedicationFact): string | undefined {
  return s.completedStillCurrent.find((c) => c.fact === m)?.why;
}

/**
 * One evidence line for a medication a rule used: "active order: <drug>",
 * or, for a completed order still current, "<why>: <drug> (<reference>)", the
 * wording of the order-time cards.
 */
export function therapyLine(s: PatientSnapshot, m: MedicationFact): string {
  const why = completedWhy(s, m);
  return why ? `${why}: ${medication(m)} (${m.reference})` : `${kind(m)}: ${medication(m)}`;
}

/** True when the medication belongs to one of the classes. */
export function ofClass(...classes: MedicationFact['classes'][number][]): (m: MedicationFact) => boolean {
  return (m) => m.classes.some((c) => classes.includes(c));
}

/** True when the medication is the ingredient. */
export function isIngredient(...ids: string[]): (m: MedicationFact) => boolean {
  return (m) => ids.includes(m.ingredient.id);
}

/**
 * A medication as named inside a sentence: "<drug>", followed for a completed
 * order still current by " (<why>, <reference>)".
 */
export function therapyName(s: PatientSnapshot, m: MedicationFact): string {
  const why = completedWhy(s, m);
  return why ? `${medication(m)} (${why}, ${m.reference})` : medication(m);
}

/** "draft order" / "active order" / "reported medication" for card evidence. */
export function kind(m: MedicationFact): string {
  if ('selected' in m) return 'draft order';
  if (m.resourceType === 'MedicationStatement') return 'reported medication';
  return m.status === 'completed' ? 'completed order' : 'active order';
}
