/**
 * Drugs that worsen RLS, ordered for an RLS patient (AASM 2025 good-practice
 * statement: antihistaminergic, serotonergic and antidopaminergic drugs
 * exacerbate RLS; IRLSSG 2016: correct them first). Order time only: one card
 * lists every such draft; the drug may well be needed, so nothing is removed
 * by default.
 */
import { doseReading, medication } from './describe.js';
import { selectedDrafts } from './focus.js';
import { EXACERBATING_DRUG, exacerbatingLabel } from './gates.js';
import type { Rule } from './types.js';

/** `exacerbating-drug-order`: a draft dopamine antagonist, sedating antihistamine or serotonergic antidepressant. */
export const exacerbatingDrugOrder: Rule = {
  id: 'exacerbating-drug-order',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'a draft dopamine-antagonist antiemetic or antipsychotic, sedating antihistamine or serotonergic antidepressant, by code or name (brands and OTC included)',
    indicator: 'warning (one card for all)',
    suggests: 'delete each draft, not recommended',
    basis: 'AASM 2025 good-practice statement; IRLSSG 2016',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = selectedDrafts(s, EXACERBATING_DRUG);
    const first = drafts[0];
    if (!first) return undefined;
    return {
      ruleId: 'exacerbating-drug-order',
      indicator: 'warning',
      values: {
        drug: first.ingredient.display,
        count: String(drafts.length),
        drugs: drafts.map((d) => d.ingredient.display).join(', '),
      },
      evidence: drafts.map((d) => `draft order, ${exacerbatingLabel(d)}: ${medication(d)}`),
      computed: drafts.filter((d) => d.dose.known).map(doseReading),
      missing: [],
      suggestions: drafts.map((d) => ({ kind: 'delete-draft', reference: d.reference, display: d.display })),
    };
  },
};

/** The order-time exacerbating-drug rule. */
export const EXACERBATING_ORDER_RULES: readonly Rule[] = [exacerbatingDrugOrder];
