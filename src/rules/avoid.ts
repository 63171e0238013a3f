/**
 * Medications the AASM 2025 guideline recommends against in RLS: checked on
 * the selected draft orders at order-select and order-sign, and on the active
 * medications at patient-view.
 */
import { matchConcept } from '../clinical/conditions.js';
import type { MedicationFact } from '../clinical/medications.js';
import type { PatientSnapshot } from '../clinical/snapshot.js';
import { NON_RLS_INDICATION_TEXT, RLS } from '../knowledge/terminology.js';
import { displayDate } from '../clinical/time.js';
import { activePlusDrafts, inFocus, isIngredient, ofClass, therapyLine } from './focus.js';
import type { Finding, Rule, RuleAbout } from './types.js';
import type { Hook, Indicator } from '../protocol/types.js';

/**
 * True when the order states why it is given and none of the reasons is RLS
 * (e.g. cabergoline for hyperprolactinemia): the avoid-in-RLS advice then
 * does not decide this order.
 */
export function hasNonRlsIndication(order: Pick<MedicationFact, 'reasons'>): boolean {
  if (order.reasons.length === 0) return false;
  return order.reasons.every((reason) => !matchConcept(reason, RLS));
}

function reasonText(order: MedicationFact): string {
  return order.reasons
    .map((r) => r.text ?? r.coding?.find((c) => c.display)?.display ?? r.coding?.[0]?.code ?? 'unnamed')
    .join(', ');
}

/**
 * A non-RLS indication for the drug on the active problem list (text match:
 * no verified codes exist for these conditions), or undefined.
 */
export function problemListIndication(
  s: PatientSnapshot,
  ingredientId: string,
): { name: string; line: string } | undefined {
  const wanted = NON_RLS_INDICATION_TEXT[ingredientId] ?? [];
  for (const condition of s.problemList) {
    const text = condition.text.toLowerCase();
    // A past condition ("history of", "former") is not a current indication.
    if (/\bhistory of\b|\bformer\b/.test(text)) continue;
    const hit = wanted.find((w) => w.words.some((word) => text.includes(word)));
    if (hit) {
      return {
        name: hit.name,
        line: `${hit.name} on the active problem list: ${condition.text}${condition.date ? ` (${displayDate(condition.date)})` : ''} (recognised from its text)`,
      };
    }
  }
  return undefined;
}

interface AvoidSpec {
  readonly id: string;
  readonly ingredients: readonly string[];
  /** Indicator for a draft order; patient-view uses `activeIndicator`. */
  readonly draftIndicator: Indicator;
  readonly activeIndicator: Indicator;
  /** Extra condition (clonazepam: only as monotherapy). */
  readonly applies?: (s: PatientSnapshot, hook: Hook) => boolean;
  /** A variant that overrides the others (valproate in pregnancy). */
  readonly strongVariant?: (s: PatientSnapshot) => string | undefined;
  readonly about: RuleAbout;
}

function avoidRule(spec: AvoidSpec): Rule {
  return {
    id: spec.id,
    hooks: ['patient-view', 'order-select', 'order-sign'],
    about: spec.about,
    evaluate(s, hook): Finding | undefined {
      if (!s.rls) return undefined;
      const found = inFocus(s, hook, isIngredient(...spec.ingredients));
      if (found.length === 0) return undefined;
      if (spec.applies && !spec.applies(s, hook)) return undefined;
      const atOrder = hook !== 'patient-view';
      const strong = spec.strongVariant?.(s);
      // A non-RLS indication: on the order (reasonCode), or, when the order gives none, on the problem list.
      const fromList = problemListIndication(s, found[0]?.ingredient.id ?? '');
      const indicated = (m: MedicationFact): boolean =>
        hasNonRlsIndication(m) || (m.reasons.length === 0 && !!fromList);
      const nonRls = found.every(indicated);
      const byList = nonRls && !found.every(hasNonRlsIndication);
      const indicator: Indicator = strong
        ? 'critical'
        : nonRls
          ? 'info'
          : atOrder
            ? spec.draftIndicator
            : spec.activeIndicator;
      const variant =
        strong ??
        (nonRls
          ? byList
            ? 'problem-list-indication'
            : 'non-rls-indication'
          : atOrder
            ? undefined
            : 'active');
      return {
        ruleId: spec.id,
        indicator,
        values: {
          drug: found[0]?.ingredient.display ?? spec.ingredients[0] ?? '',
          indication: fromList?.name ?? 'another condition',
        },
        evidence: [
          ...found.map(
            (m) =>
              `${therapyLine(s, m)}${m.reasons.length ? `; indication on the order: ${reasonText(m)}` : ''}`,
          ),
          ...(fromList && found.some((m) => m.reasons.length === 0) ? [fromList.line] : []),
        ],
        computed: found
          .filter((m) => m.dose.known)
          .map((m) => `${m.display}: ${m.dose.known ? m.dose.how : ''}`),
        missing: [],
        // With a non-RLS indication the deletion is offered but not recommended (also in pregnancy).
        suggestions: atOrder
          ? found.map((m) => ({
              kind: 'delete-draft',
              reference: m.reference,
              display: m.display,
              ...(indicated(m) ? { recommended: false } : {}),
            }))
          : [],
        ...(variant ? { variant } : {}),
      };
    },
  };
}

/** Other RLS therapy (dopaminergic, alpha-2-delta, opioid) active or drafted: clonazepam is then not monotherapy. */
const OTHER_RLS_THERAPY = ofClass(
  'dopamine-agonist',
  'ergot-dopamine-agonist',
  'levodopa',
  'alpha2delta',
  'opioid',
);

/** `avoid-cabergoline`: strong recommendation against; cardiac valvular fibrosis. */
export const avoidCabergoline = avoidRule({
  id: 'avoid-cabergoline',
  about: {
    firesWhen: 'cabergoline drafted (or active at patient-view)',
    indicator:
      'critical at order time, warning at patient-view; info with hyperprolactinemia on the order or (no reasonCode) on the problem list; Parkinson disease does not lower it',
    suggests: 'delete the draft (not marked recommended at info)',
    basis: 'AASM 2025: strong against',
  },
  ingredients: ['cabergoline'],
  draftIndicator: 'critical',
  activeIndicator: 'warning',
  // Only hyperprolactinemia is an indication (from the list above); Parkinson disease is not:
  // the valve risk does not depend on the indication.
});

/** `avoid-bupropion`: conditional recommendation against, moderate certainty. */
export const avoidBupropion = avoidRule({
  id: 'avoid-bupropion',
  about: {
    firesWhen: 'bupropion drafted (or active)',
    indicator:
      'warning at order time, info at patient-view; info with depression or smoking cessation (reasonCode or problem list)',
    suggests: 'delete the draft (not marked recommended at info)',
    basis: 'AASM 2025: conditional against, moderate',
  },
  ingredients: ['bupropion'],
  draftIndicator: 'warning',
  activeIndicator: 'info',
});

/** `avoid-carbamazepine`: conditional recommendation against, low certainty. */
export const avoidCarbamazepine = avoidRule({
  id: 'avoid-carbamazepine',
  about: {
    firesWhen: 'carbamazepine drafted (or active)',
    indicator: 'warning / info; info with epilepsy, bipolar disorder or trigeminal neuralgia',
    suggests: 'delete the draft (not recommended at info)',
    basis: 'AASM 2025: conditional against, low',
  },
  ingredients: ['carbamazepine'],
  draftIndicator: 'warning',
  activeIndicator: 'info',
});

/** `avoid-valproate`: conditional against, very low certainty; hepatotoxic and teratogenic (stronger in pregnancy). */
export const avoidValproate = avoidRule({
  id: 'avoid-valproate',
  about: {
    firesWhen: 'valproate/divalproex drafted (or active)',
    indicator:
      'warning / info; info with epilepsy, bipolar disorder or migraine; **critical in pregnancy** (even with an indication)',
    suggests: 'delete the draft (not recommended when an indication exists)',
    basis: 'AASM 2025: conditional against, very low',
  },
  ingredients: ['valproate'],
  draftIndicator: 'warning',
  activeIndicator: 'info',
  strongVariant: (s) => (s.pregnancy ? 'pregnancy' : undefined),
});

/** `avoid-clonazepam`: only as monotherapy (sedates, does not treat RLS or reduce PLMs). */
export const avoidClonazepam = avoidRule({
  id: 'avoid-clonazepam',
  about: {
    firesWhen: 'clonazepam with no other RLS drug active or drafted',
    indicator: 'warning / info; info with epilepsy, panic disorder or REM sleep behaviour disorder',
    suggests: 'delete the draft (not recommended at info)',
    basis: 'AASM 2025: conditional against, very low',
  },
  ingredients: ['clonazepam'],
  draftIndicator: 'warning',
  activeIndicator: 'info',
  applies: (s, hook) => !activePlusDrafts(s, hook).some(OTHER_RLS_THERAPY),
});

/** The avoid-in-RLS rules, in catalog order. */
export const AVOID_RULES: readonly Rule[] = [
  avoidCabergoline,
  avoidBupropion,
  avoidCarbamazepine,
  avoidValproate,
  avoidClonazepam,
];
