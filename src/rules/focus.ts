/**
 * Which medications a rule looks at on each hook: the active ones at
 * patient-view, the selected draft orders at order-select and order-sign.
 */
import type { MedicationFact } from '../clinical/medications.js';
import type { DraftOrderFact, PatientSnapshot } from '../clinical/snapshot.js';
import type { Hook } from '../protocol/types.js';

/** Selected draft orders matching the predicate. */
export function selectedDrafts(s: PatientSnapshot, pred: (m: MedicationFact) => boolean): DraftOrderFact[] {
  return s.draftOrders.filter((d) => d.selected && pred(d));
}

/** Active medications at patient-view, selected drafts at order time. */
export function inFocus(
  s: PatientSnapshot,
  hook: Hook,
  pred: (m: MedicationFact) => boolean,
): MedicationFact[] {
  return hook === 'patient-view' ? s.activeMedications.filter(pred) : selectedDrafts(s, pred);
}

/** Active medications plus, at order time, the selected drafts: what the patient will be taking. */
export function activePlusDrafts(s: PatientSnapshot, hook: Hook): MedicationFact[] {
  return hook === 'patient-view'
    ? [...s.activeMedications]
    : [...s.activeMedications, ...selectedDrafts(s, () => true)];
}

/** True when the medication belongs to one of the classes. */
export function ofClass(...classes: MedicationFact['classes'][number][]): (m: MedicationFact) => boolean {
  return (m) => m.classes.some((c) => classes.includes(c));
}

/** True when the medication is the ingredient. */
export function isIngredient(...ids: string[]): (m: MedicationFact) => boolean {
  return (m) => ids.includes(m.ingredient.id);
}

/** "the draft order" / "the active order" for card evidence. */
export function kind(m: MedicationFact): string {
  if ('selected' in m) return 'draft order';
  return m.resourceType === 'MedicationStatement' ? 'reported medication' : 'active order';
}
