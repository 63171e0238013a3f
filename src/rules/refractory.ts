/**
 * Refractory RLS: the next step once first-line therapy was adequate and iron
 * is optimized (AASM 2025: opioids and bilateral high-frequency peroneal nerve
 * stimulation, conditional, moderate certainty), and the factors that make RLS
 * worse (AASM 2025 good-practice statement).
 */
import { isDopaminergic } from '../clinical/equivalents.js';
import type { MedicationFact } from '../clinical/medications.js';
import type { PatientSnapshot, ScoreFact } from '../clinical/snapshot.js';
import {
  ADEQUATE_ALPHA2DELTA_MG_PER_DAY,
  IRLS_CONTROLLED_AT_MOST,
  IRLS_RECENT_MONTHS,
} from '../knowledge/thresholds.js';
import { displayDate, monthsBefore } from '../clinical/time.js';
import { augmentationSuspected } from './augmentation.js';
import { describeLab, medication, num } from './describe.js';
import { ofClass } from './focus.js';
import {
  exacerbatingDrugs,
  exacerbatingLabel,
  gateLines,
  gateNames,
  opioidGates,
  untreatedSleepApnea,
} from './gates.js';
import { ironOptimizedForRefractory } from './iron.js';
import type { Finding, Rule } from './types.js';

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

/** The latest IRLS score of the last 6 months, if any. */
export function recentIrls(s: PatientSnapshot): ScoreFact | undefined {
  const since = monthsBefore(s.now, IRLS_RECENT_MONTHS).getTime();
  const recent = s.irlsScores.filter((x) => x.time >= since && x.time <= s.now.getTime());
  return recent[recent.length - 1];
}

/** True when an exacerbating factor is present: a drug that worsens RLS, or untreated sleep apnea. */
export function hasExacerbatingFactor(s: PatientSnapshot): boolean {
  return exacerbatingDrugs(s).length > 0 || !!untreatedSleepApnea(s);
}

/**
 * `refractory-next-step`: an adequate first-line trial (alpha-2-delta at dose, or a
 * dopaminergic course), iron optimized, no opioid yet; and (v2) RLS not in remission,
 * not mild by the latest IRLS of 6 months, no augmentation card (it carries the plan),
 * no exacerbating factor. The opioid draft is offered only when no opioid gate applies.
 */
export const refractoryNextStep: Rule = {
  id: 'refractory-next-step',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'an adequate alpha-2-delta trial (gabapentin ≥ 1800, pregabalin ≥ 300, gabapentin enacarbil ≥ 600 mg/day) or a dopaminergic course (agonist or levodopa), current or past; iron optimized (ferritin > 75 ng/mL and TSAT > 20 %, strictly, as the clinical guidance defines refractory); no current opioid (active, or a completed order still current); RLS not in remission; latest IRLS of 6 months ≥ 11 (≤ 10 is mild: no card; none: the card says control could not be judged); `augmentation-suspected` does not fire; no drug that worsens RLS and no untreated sleep apnea',
    indicator: 'info',
    suggests:
      'ER oxycodone 10 mg at bedtime, **only when no opioid gate applies**; with a gate (opioid use disorder active or remitted, pregnancy) no order: the card names the gate and offers peroneal nerve stimulation and specialist review',
    basis: 'AASM 2025: conditional for, moderate (opioids; nerve stimulation)',
  },
  evaluate(s, hook): Finding | undefined {
    if (!s.rls || s.rlsInRemission) return undefined;
    const trials = adequateAlpha2DeltaTrials(s.medicationHistory);
    const dopaminergicCourses = s.medicationHistory.filter(isDopaminergic);
    if (trials.length === 0 && dopaminergicCourses.length === 0) return undefined;
    if (!ironOptimizedForRefractory(s)) return undefined;
    if (s.currentTherapy.some(ofClass('opioid'))) return undefined;
    const irls = recentIrls(s);
    if (irls && irls.value <= IRLS_CONTROLLED_AT_MOST) return undefined;
    if (hasExacerbatingFactor(s)) return undefined;
    if (augmentationSuspected.evaluate(s, hook)) return undefined;
    const f = describeLab('ferritin', s.ferritin);
    const t = describeLab('TSAT', s.tsat);
    const unknownDoses = s.medicationHistory
      .filter((m) => ADEQUATE_ALPHA2DELTA_MG_PER_DAY[m.ingredient.id] !== undefined && !m.dose.known)
      .map((m) => `${m.display}: daily dose unknown, so it was not counted as an adequate trial`);
    const older = s.irlsScores[s.irlsScores.length - 1];
    const irlsMissing = irls
      ? []
      : [
          `no IRLS score in the last ${IRLS_RECENT_MONTHS} months${older ? ` (last: ${older.value} on ${displayDate(older.effective)})` : ''}: whether symptoms are controlled could not be judged; score the IRLS before escalating`,
        ];
    const gates = opioidGates(s);
    return {
      ruleId: 'refractory-next-step',
      indicator: 'info',
      values: { gates: gateNames(gates) },
      evidence: [
        ...trials.map((m) => `adequate alpha-2-delta trial: ${course(m)}`),
        ...dopaminergicCourses.map((m) => `dopaminergic course: ${course(m)}`),
        ...f.evidence,
        ...t.evidence,
        ...(irls
          ? [
              `latest IRLS ${irls.value} on ${displayDate(irls.effective)} (above ${IRLS_CONTROLLED_AT_MOST}: symptoms not controlled)`,
            ]
          : []),
        'no opioid taken: none active and no completed opioid order still current',
        ...gateLines(gates),
      ],
      computed: [...f.computed, ...t.computed],
      missing: [...irlsMissing, ...unknownDoses, ...s.unavailable],
      suggestions: gates.length === 0 ? [{ kind: 'order-oxycodone-er' }] : [],
      ...(gates.length > 0 ? { variant: 'gated' } : irls ? {} : { variant: 'control-unknown' }),
    };
  },
};

/** `exacerbating-factors`: drugs that worsen RLS, or sleep apnea (any type) without treatment. */
export const exacerbatingFactors: Rule = {
  id: 'exacerbating-factors',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'an active antidepressant, sedating antihistamine or dopamine antagonist (by code or by name, brands included); or sleep apnea of **any type** without treatment on record',
    indicator: 'info',
    suggests: 'review / deprescribe',
    basis: 'AASM 2025 good-practice statement; IRLSSG 2016',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drugs = exacerbatingDrugs(s);
    const untreated = untreatedSleepApnea(s);
    if (drugs.length === 0 && !untreated) return undefined;
    return {
      ruleId: 'exacerbating-factors',
      indicator: 'info',
      values: { count: num(drugs.length + (untreated ? 1 : 0)) },
      evidence: [
        ...drugs.map((m) => `${exacerbatingLabel(m)}: ${medication(m)}`),
        ...(untreated
          ? [`sleep apnea (${untreated.display}) with no PAP, oral appliance or other treatment on record`]
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
