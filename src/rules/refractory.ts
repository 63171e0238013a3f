/**
 * Refractory RLS: the next step once first-line therapy was adequate and iron
 * is optimized (AASM 2025: opioids and bilateral high-frequency peroneal nerve
 * stimulation, conditional, moderate certainty), and the factors that make RLS
 * worse (AASM 2025 good-practice statement).
 */
import { isDopamineAgonist } from '../clinical/equivalents.js';
import type { MedicationFact } from '../clinical/medications.js';
import { ADEQUATE_ALPHA2DELTA_MG_PER_DAY } from '../clinical/thresholds.js';
import { displayDate } from '../clinical/time.js';
import { describeLab, medication, num } from './describe.js';
import { ofClass } from './focus.js';
import { ironNotOptimized } from './iron.js';
import type { Rule } from './types.js';

function course(m: MedicationFact): string {
  const when = m.start ? ` from ${displayDate(m.start)}` : '';
  return `${medication(m)} (${m.status}${when})`;
}

/** Alpha-2-delta courses at or above the adequate-trial dose, current or past. */
export function adequateAlpha2DeltaTrials(history: readonly MedicationFact[]): MedicationFact[] {
  return history.filter((m) => {
    const adequate = ADEQUATE_ALPHA2DELTA_MG_PER_DAY[m.ingredient.id];
    return adequate !== undefined && m.dose.known && m.dose.mgPerDay >= adequate;
  });
}

/** `refractory-next-step`: adequate first-line trial, iron optimized, no opioid yet. */
export const refractoryNextStep: Rule = {
  id: 'refractory-next-step',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const trials = adequateAlpha2DeltaTrials(s.medicationHistory);
    const agonistCourses = s.medicationHistory.filter(isDopamineAgonist);
    if (trials.length === 0 && agonistCourses.length === 0) return undefined;
    if (ironNotOptimized(s) !== false) return undefined;
    if (s.activeMedications.some(ofClass('opioid'))) return undefined;
    const f = describeLab('ferritin', s.ferritin);
    const t = describeLab('TSAT', s.tsat);
    const unknownDoses = s.medicationHistory
      .filter((m) => ADEQUATE_ALPHA2DELTA_MG_PER_DAY[m.ingredient.id] !== undefined && !m.dose.known)
      .map((m) => `${m.display}: daily dose unknown, so it was not counted as an adequate trial`);
    return {
      ruleId: 'refractory-next-step',
      indicator: 'info',
      values: {},
      evidence: [
        ...trials.map((m) => `adequate alpha-2-delta trial: ${course(m)}`),
        ...agonistCourses.map((m) => `dopamine agonist course: ${course(m)}`),
        ...f.evidence,
        ...t.evidence,
        'no active opioid',
      ],
      computed: [...f.computed, ...t.computed],
      missing: [...unknownDoses, ...s.unavailable],
      suggestions: [{ kind: 'order-oxycodone-er' }],
    };
  },
};

const EXACERBATING = ofClass('antidepressant', 'sedating-antihistamine', 'dopamine-antagonist');

/** `exacerbating-factors`: drugs that worsen RLS, or sleep apnea without treatment. */
export const exacerbatingFactors: Rule = {
  id: 'exacerbating-factors',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const drugs = s.activeMedications.filter(EXACERBATING);
    const untreatedOsa = s.osa && !s.osaTreatment ? s.osa : undefined;
    if (drugs.length === 0 && !untreatedOsa) return undefined;
    const label = (m: MedicationFact): string =>
      m.classes.includes('antidepressant')
        ? 'antidepressant'
        : m.classes.includes('sedating-antihistamine')
          ? 'sedating antihistamine'
          : 'dopamine antagonist';
    return {
      ruleId: 'exacerbating-factors',
      indicator: 'info',
      values: { count: num(drugs.length + (untreatedOsa ? 1 : 0)) },
      evidence: [
        ...drugs.map((m) => `${label(m)}: ${medication(m)}`),
        ...(untreatedOsa
          ? [`obstructive sleep apnea (${untreatedOsa.display}) with no CPAP or other treatment on record`]
          : []),
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /procedure|device/i.test(u)),
      suggestions: [],
    };
  },
};

/** The refractory-status rules, in catalog order. */
export const REFRACTORY_RULES: readonly Rule[] = [refractoryNextStep, exacerbatingFactors];
