/**
 * The drugs the simulator's order composer offers: the service's own drug
 * catalog, grouped by what the rules care about, so every rule can be tried.
 */
import { type DrugClass, INGREDIENTS } from '../../knowledge/drug-catalog.js';
import type { OrderableView } from './api-types.js';

/** Composer group headings, in the order shown; an ingredient goes under its first listed class. */
const GROUPS: readonly (readonly [DrugClass, string])[] = [
  ['dopamine-agonist', 'Dopamine agonists'],
  ['ergot-dopamine-agonist', 'Ergot dopamine agonists'],
  ['levodopa', 'Levodopa'],
  ['alpha2delta', 'Alpha-2-delta ligands'],
  ['opioid', 'Opioids'],
  ['iron-iv', 'Iron, intravenous'],
  ['iron-oral', 'Iron, oral'],
  ['benzodiazepine', 'Benzodiazepines'],
  ['sedative-hypnotic', 'Sedative-hypnotics'],
  ['avoid-in-rls', 'Advised against in RLS'],
  ['antidepressant', 'Antidepressants'],
  ['sedating-antihistamine', 'Sedating antihistamines'],
  ['dopamine-antagonist', 'Dopamine antagonists'],
  ['alpha2-agonist', 'Other'],
  ['laxative', 'Other'],
  ['vitamin-c', 'Other'],
];

/** Every catalog ingredient with its products, grouped for the composer. */
export function orderables(): OrderableView[] {
  const rank = (classes: readonly DrugClass[]): number => {
    const i = GROUPS.findIndex(([c]) => c === classes[0]);
    return i < 0 ? GROUPS.length : i;
  };
  return INGREDIENTS.filter((i) => i.rxcuis.length > 0)
    .map((i, order) => ({ i, order, rank: rank(i.classes) }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map(({ i, rank: r }) => ({
      id: i.id,
      display: i.display,
      group: GROUPS[r]?.[1] ?? 'Other',
      rxcui: i.rxcuis[0] ?? '',
      products: (i.products ?? []).map((p) => ({
        rxcui: p.rxcui,
        mg: p.mg,
        basis: p.basis,
        display: p.display,
      })),
    }));
}
