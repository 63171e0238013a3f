/**
 * Medications the AASM 2025 guideline recommends against in RLS, checked on
 * the draft orders at order-select and order-sign.
 */
import { matchConcept } from '../clinical/conditions.js';
import type { DraftOrderFact, PatientSnapshot } from '../clinical/snapshot.js';
import { RLS } from '../clinical/terminology.js';
import { medication } from './describe.js';
import type { Finding, Rule } from './types.js';

/**
 * True when the order states why it is given and none of the reasons is RLS
 * (e.g. cabergoline for hyperprolactinemia): the avoid-in-RLS advice then
 * does not apply to this order.
 */
export function hasNonRlsIndication(order: DraftOrderFact): boolean {
  if (order.reasons.length === 0) return false;
  return order.reasons.every((reason) => !matchConcept(reason, RLS));
}

function reasonText(order: DraftOrderFact): string {
  return order.reasons
    .map((r) => r.text ?? r.coding?.find((c) => c.display)?.display ?? r.coding?.[0]?.code ?? 'unnamed')
    .join(', ');
}

/** Builds the finding for drafts of one avoided ingredient; critical unless every draft has a non-RLS indication. */
function avoidDraft(ruleId: string, ingredientId: string, s: PatientSnapshot): Finding | undefined {
  if (!s.rls) return undefined;
  const drafts = s.draftOrders.filter((d) => d.selected && d.ingredient.id === ingredientId);
  if (drafts.length === 0) return undefined;
  const nonRls = drafts.every(hasNonRlsIndication);
  return {
    ruleId,
    indicator: nonRls ? 'info' : 'critical',
    values: { drug: drafts[0]?.ingredient.display ?? ingredientId },
    evidence: drafts.map(
      (d) =>
        `draft order ${medication(d)}${d.reasons.length ? `; indication on the order: ${reasonText(d)}` : ''}`,
    ),
    computed: drafts
      .filter((d) => d.dose.known)
      .map((d) => `${d.display}: ${d.dose.known ? d.dose.how : ''}`),
    missing: [],
    suggestions: drafts.map((d) => ({ kind: 'delete-draft', reference: d.reference, display: d.display })),
    ...(nonRls ? { variant: 'non-rls-indication' } : {}),
  };
}

/** `avoid-cabergoline`: a draft cabergoline order (strong recommendation against; valvular fibrosis). */
export const avoidCabergoline: Rule = {
  id: 'avoid-cabergoline',
  hooks: ['order-select', 'order-sign'],
  evaluate(s) {
    return avoidDraft('avoid-cabergoline', 'cabergoline', s);
  },
};

/** The avoid-in-RLS rules. */
export const AVOID_RULES: readonly Rule[] = [avoidCabergoline];
