/**
 * End-stage renal disease (AASM 2025 ESRD recommendations): avoid pregabalin;
 * gabapentin 100 mg after dialysis or at bedtime, at most 200-300 mg/day.
 */
import { ESRD_GABAPENTIN_MAX_MG_PER_DAY } from '../clinical/thresholds.js';
import { displayDate } from '../clinical/time.js';
import { medication } from './describe.js';
import { inFocus, isIngredient, kind } from './focus.js';
import type { Rule, SuggestionIntent } from './types.js';

function esrdLine(display: string, date: string | undefined): string {
  return `ESRD: ${display}${date ? ` (since ${displayDate(date)})` : ''}`;
}

/** `esrd-avoid-pregabalin`: ESRD and pregabalin (draft at order time, active at patient-view). */
export const esrdAvoidPregabalin: Rule = {
  id: 'esrd-avoid-pregabalin',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  evaluate(s, hook) {
    if (!s.rls || !s.esrd) return undefined;
    const found = inFocus(s, hook, isIngredient('pregabalin'));
    if (found.length === 0) return undefined;
    const atOrder = hook !== 'patient-view';
    return {
      ruleId: 'esrd-avoid-pregabalin',
      indicator: 'warning',
      values: {},
      evidence: [esrdLine(s.esrd.display, s.esrd.date), ...found.map((m) => `${kind(m)}: ${medication(m)}`)],
      computed: [],
      missing: [],
      suggestions: atOrder
        ? found.map((m): SuggestionIntent => ({
            kind: 'gabapentin-instead',
            esrd: true,
            reference: m.reference,
            display: m.display,
          }))
        : [],
    };
  },
};

/** `esrd-gabapentin-dose`: ESRD and gabapentin above 300 mg/day (known dose only). */
export const esrdGabapentinDose: Rule = {
  id: 'esrd-gabapentin-dose',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  evaluate(s, hook) {
    if (!s.rls || !s.esrd) return undefined;
    const found = inFocus(s, hook, isIngredient('gabapentin')).filter(
      (m) => m.dose.known && m.dose.mgPerDay > ESRD_GABAPENTIN_MAX_MG_PER_DAY,
    );
    if (found.length === 0) return undefined;
    const atOrder = hook !== 'patient-view';
    return {
      ruleId: 'esrd-gabapentin-dose',
      indicator: 'warning',
      values: {},
      evidence: [esrdLine(s.esrd.display, s.esrd.date), ...found.map((m) => `${kind(m)}: ${medication(m)}`)],
      computed: found.map((m) => `${m.display}: ${m.dose.known ? m.dose.how : ''}`),
      missing: [],
      suggestions: atOrder
        ? found.map((m): SuggestionIntent => ({
            kind: 'gabapentin-instead',
            esrd: true,
            reference: m.reference,
            display: m.display,
          }))
        : [],
    };
  },
};

/** The ESRD rules, in catalog order. */
export const ESRD_RULES: readonly Rule[] = [esrdAvoidPregabalin, esrdGabapentinDose];
