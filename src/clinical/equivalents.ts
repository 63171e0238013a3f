/**
 * Dopamine-agonist doses on one scale: pramipexole-equivalent mg/day.
 * Levodopa is its own case and is never converted.
 */
import type { MedicationFact } from './medications.js';
import { PRAMIPEXOLE_EQUIVALENT_PER_MG } from '../knowledge/thresholds.js';

/** The non-ergot dopamine agonists compared on the pramipexole scale. */
export const DOPAMINE_AGONISTS: readonly string[] = Object.keys(PRAMIPEXOLE_EQUIVALENT_PER_MG);

/** True for pramipexole, ropinirole and rotigotine. */
export function isDopamineAgonist(fact: Pick<MedicationFact, 'ingredient'>): boolean {
  return DOPAMINE_AGONISTS.includes(fact.ingredient.id);
}

/** True for a dopamine agonist or levodopa. */
export function isDopaminergic(fact: Pick<MedicationFact, 'ingredient' | 'classes'>): boolean {
  return isDopamineAgonist(fact) || fact.classes.includes('levodopa');
}

/** Pramipexole-equivalent mg/day of one order, or undefined when the drug is not converted or the dose is unknown. */
export function pramipexoleEquivalent(fact: Pick<MedicationFact, 'ingredient' | 'dose'>): number | undefined {
  const factor = PRAMIPEXOLE_EQUIVALENT_PER_MG[fact.ingredient.id];
  if (factor === undefined || !fact.dose.known) return undefined;
  return Math.round(fact.dose.mgPerDay * factor * 1000) / 1000;
}

/** "0.4 mg/day pramipexole-equivalent (ropinirole 2 mg/day × 0.2)" for the card. */
export function describeEquivalent(fact: Pick<MedicationFact, 'ingredient' | 'dose'>): string | undefined {
  const eq = pramipexoleEquivalent(fact);
  if (eq === undefined || !fact.dose.known) return undefined;
  const factor = PRAMIPEXOLE_EQUIVALENT_PER_MG[fact.ingredient.id];
  if (fact.ingredient.id === 'pramipexole') return `${eq} mg/day pramipexole`;
  return `${eq} mg/day pramipexole-equivalent (${fact.ingredient.display} ${fact.dose.mgPerDay} mg/day × ${factor})`;
}
