/**
 * Dopamine agonists and augmentation (AASM 2025: conditional against standard
 * use; IRLSSG 2016: recognise and manage augmentation; never raise the dose).
 * Doses are compared in pramipexole-equivalent mg/day; levodopa only with itself.
 */
import {
  describeEquivalent,
  isDopamineAgonist,
  isDopaminergic,
  pramipexoleEquivalent,
} from '../clinical/equivalents.js';
import type { MedicationFact } from '../clinical/medications.js';
import type { PatientSnapshot } from '../clinical/snapshot.js';
import { taperSchedule } from '../clinical/taper.js';
import {
  AUGMENTATION_DOSE_INCREASES,
  RLS_MAX_DAILY_DOSE_MG,
  TAPER_STEP_PRAMIPEXOLE_EQ_MG,
} from '../clinical/thresholds.js';
import { displayDate, monthsBefore } from '../clinical/time.js';
import { medication, num } from './describe.js';
import { selectedDrafts } from './focus.js';
import type { Rule, SuggestionIntent } from './types.js';

function doseLine(m: MedicationFact): string {
  const eq = describeEquivalent(m);
  const since = m.start ? ` since ${displayDate(m.start)}` : '';
  return `${medication(m)}${eq && m.ingredient.id !== 'pramipexole' ? ` = ${eq}` : ''}${since}`;
}

/** Dopamine-agonist dose increases within the window: consecutive orders whose pramipexole-equivalent dose rose. */
export function recentDoseIncreases(s: PatientSnapshot): { count: number; lines: string[] } {
  const since = monthsBefore(s.now, AUGMENTATION_DOSE_INCREASES.withinMonths).getTime();
  const orders = s.medicationHistory
    .filter(
      (m) => m.resourceType === 'MedicationRequest' && isDopamineAgonist(m) && m.startTime !== undefined,
    )
    .sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0));
  const lines: string[] = [];
  for (let i = 1; i < orders.length; i++) {
    const before = orders[i - 1];
    const after = orders[i];
    if (!before || !after) continue;
    const a = pramipexoleEquivalent(before);
    const b = pramipexoleEquivalent(after);
    if (a === undefined || b === undefined || b <= a || (after.startTime ?? 0) < since) continue;
    lines.push(
      `dose raised on ${displayDate(after.start ?? '')}: ${num(a)} → ${num(b)} mg/day pramipexole-equivalent`,
    );
  }
  return { count: lines.length, lines };
}

/** Signs of augmentation in the snapshot; empty when there are none. */
export function augmentationSigns(s: PatientSnapshot): string[] {
  const signs: string[] = [];
  if (s.augmentationFinding) {
    signs.push(
      `${s.augmentationFinding.display}${s.augmentationFinding.date ? ` (${displayDate(s.augmentationFinding.date)})` : ''}`,
    );
  }
  const increases = recentDoseIncreases(s);
  if (increases.count >= AUGMENTATION_DOSE_INCREASES.count) {
    signs.push(
      `${increases.count} dose increases in the last ${AUGMENTATION_DOSE_INCREASES.withinMonths} months`,
      ...increases.lines,
    );
  }
  for (const m of s.activeMedications.filter(isDopamineAgonist)) {
    const max = RLS_MAX_DAILY_DOSE_MG[m.ingredient.id];
    if (max !== undefined && m.dose.known && m.dose.mgPerDay > max) {
      signs.push(
        `${m.ingredient.display} ${num(m.dose.mgPerDay)} mg/day is above the RLS maximum of ${max} mg/day`,
      );
    }
  }
  const [previous, latest] = s.irlsScores.slice(-2);
  if (previous && latest && latest.value > previous.value) {
    signs.push(
      `IRLS rose from ${previous.value} (${displayDate(previous.effective)}) to ${latest.value} (${displayDate(latest.effective)})`,
    );
  }
  return signs;
}

/** `augmentation-suspected`: an active dopamine agonist with any sign of augmentation. */
export const augmentationSuspected: Rule = {
  id: 'augmentation-suspected',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const agonists = s.activeMedications.filter(isDopamineAgonist);
    if (agonists.length === 0) return undefined;
    const signs = augmentationSigns(s);
    if (signs.length === 0) return undefined;
    const withDose = agonists
      .filter((m) => m.dose.known)
      .sort((a, b) => (pramipexoleEquivalent(b) ?? 0) - (pramipexoleEquivalent(a) ?? 0))[0];
    const steps =
      withDose && withDose.dose.known ? taperSchedule(withDose.ingredient.id, withDose.dose.mgPerDay) : [];
    const missing: string[] = [];
    if (steps.length === 0)
      missing.push('the current daily dose is unknown, so no taper schedule could be computed');
    if (s.irlsScores.length < 2)
      missing.push('fewer than two IRLS scores on record: a rising score could not be checked');
    return {
      ruleId: 'augmentation-suspected',
      indicator: 'warning',
      values: { drug: (withDose ?? agonists[0])?.ingredient.display ?? 'the dopamine agonist' },
      evidence: [...agonists.map((m) => `active: ${doseLine(m)}`), ...signs.map((x) => `sign: ${x}`)],
      computed: agonists
        .map(describeEquivalent)
        .filter((x): x is string => !!x)
        .concat(
          steps.length
            ? [
                `taper steps of ${num((steps[0]?.pramipexoleEq ?? 0) - (steps[1]?.pramipexoleEq ?? 0))} mg pramipexole-equivalent (guideline ${TAPER_STEP_PRAMIPEXOLE_EQ_MG.min}-${TAPER_STEP_PRAMIPEXOLE_EQ_MG.max} mg)`,
              ]
            : [],
        ),
      missing,
      suggestions: [{ kind: 'gabapentin-instead', esrd: !!s.esrd }],
      ...(withDose && steps.length ? { taper: { drug: withDose.ingredient.display, steps } } : {}),
    };
  },
};

/** `dopamine-agonist-review`: an active dopamine agonist or levodopa with no sign of augmentation. */
export const dopamineAgonistReview: Rule = {
  id: 'dopamine-agonist-review',
  hooks: ['patient-view'],
  evaluate(s, hook) {
    if (!s.rls) return undefined;
    const dopaminergic = s.activeMedications.filter(isDopaminergic);
    if (dopaminergic.length === 0) return undefined;
    if (augmentationSuspected.evaluate(s, hook)) return undefined;
    const missing: string[] = [];
    if (s.irlsScores.length < 2)
      missing.push('fewer than two IRLS scores on record: a rising score could not be checked');
    for (const m of dopaminergic)
      if (!m.dose.known) missing.push(`${m.display}: daily dose unknown (${m.dose.reason})`);
    return {
      ruleId: 'dopamine-agonist-review',
      indicator: 'info',
      values: { drug: dopaminergic[0]?.ingredient.display ?? 'the dopamine agonist' },
      evidence: dopaminergic.map((m) => `active: ${doseLine(m)}`),
      computed: dopaminergic.map(describeEquivalent).filter((x): x is string => !!x),
      missing,
      suggestions: [],
    };
  },
};

/** Total active pramipexole-equivalent dose, or undefined when any active agonist's dose is unknown. */
function totalActiveEquivalent(active: readonly MedicationFact[]): number | undefined {
  let total = 0;
  for (const m of active) {
    const eq = pramipexoleEquivalent(m);
    if (eq === undefined) return undefined;
    total += eq;
  }
  return Math.round(total * 1000) / 1000;
}

/** Daily mg of active levodopa, or undefined when unknown. */
function activeLevodopaMg(active: readonly MedicationFact[]): number | undefined {
  let total = 0;
  for (const m of active) {
    if (!m.dose.known) return undefined;
    total += m.dose.mgPerDay;
  }
  return total;
}

/** `dopamine-agonist-dose-increase`: a draft that raises the dopaminergic dose, or adds a second agonist. */
export const dopamineAgonistDoseIncrease: Rule = {
  id: 'dopamine-agonist-dose-increase',
  hooks: ['order-select', 'order-sign'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const activeAgonists = s.activeMedications.filter(isDopamineAgonist);
    const activeLevodopa = s.activeMedications.filter((m) => m.classes.includes('levodopa'));
    if (activeAgonists.length === 0 && activeLevodopa.length === 0) return undefined;
    const drafts = selectedDrafts(s, isDopaminergic);
    const evidence: string[] = [];
    const missing: string[] = [];
    const offending: MedicationFact[] = [];
    let increase = false;
    for (const draft of drafts) {
      if (draft.classes.includes('levodopa')) {
        // Levodopa is its own case: compared only with active levodopa, in mg.
        if (activeLevodopa.length === 0) continue;
        const draftMg = draft.dose.known ? draft.dose.mgPerDay : undefined;
        const activeMg = activeLevodopaMg(activeLevodopa);
        if (draftMg === undefined || activeMg === undefined) {
          missing.push('levodopa dose unknown (draft or active): the increase could not be checked');
        } else if (draftMg > activeMg) {
          increase = true;
          offending.push(draft);
          evidence.push(
            `draft ${medication(draft)} is more than the active ${num(activeMg)} mg/day of levodopa`,
          );
        }
        continue;
      }
      // A dopamine agonist is compared with active dopamine agonists only.
      if (activeAgonists.length === 0) continue;
      const same = activeAgonists.filter((m) => m.ingredient.id === draft.ingredient.id);
      const draftEq = pramipexoleEquivalent(draft);
      if (same.length > 0) {
        const activeEq = totalActiveEquivalent(same);
        if (draftEq === undefined || activeEq === undefined) {
          missing.push(
            `${draft.display}: draft or active daily dose unknown, so a same-drug increase could not be checked`,
          );
        } else if (draftEq > activeEq) {
          increase = true;
          offending.push(draft);
          evidence.push(
            `draft ${doseLine(draft)} is above the active ${num(activeEq)} mg/day pramipexole-equivalent`,
          );
        }
        continue;
      }
      const activeEq = totalActiveEquivalent(activeAgonists);
      offending.push(draft);
      if (draftEq !== undefined && activeEq !== undefined && draftEq > activeEq) {
        increase = true;
        evidence.push(
          `draft ${doseLine(draft)} switches agonist at a higher dose than the active ${num(activeEq)} mg/day pramipexole-equivalent`,
        );
      } else {
        evidence.push(`draft ${doseLine(draft)} adds a second dopamine agonist`);
        if (draftEq === undefined || activeEq === undefined)
          missing.push('a daily dose is unknown: only the added agonist could be judged');
      }
    }
    if (offending.length === 0) return undefined;
    const suggestions: SuggestionIntent[] = [
      ...offending.map((d): SuggestionIntent => ({
        kind: 'delete-draft',
        reference: d.reference,
        display: d.display,
      })),
      { kind: 'gabapentin-instead', esrd: !!s.esrd },
    ];
    return {
      ruleId: 'dopamine-agonist-dose-increase',
      indicator: 'critical',
      values: { drug: offending[0]?.ingredient.display ?? 'the dopamine agonist' },
      evidence: [...activeAgonists, ...activeLevodopa].map((m) => `active: ${doseLine(m)}`).concat(evidence),
      computed: [...activeAgonists, ...offending].map(describeEquivalent).filter((x): x is string => !!x),
      missing,
      suggestions,
      ...(increase ? {} : { variant: 'second-agonist' }),
    };
  },
};

/** `dopamine-agonist-new-start`: a draft dopamine agonist for a patient on none. */
export const dopamineAgonistNewStart: Rule = {
  id: 'dopamine-agonist-new-start',
  hooks: ['order-select', 'order-sign'],
  evaluate(s) {
    if (!s.rls) return undefined;
    if (s.activeMedications.some(isDopaminergic)) return undefined;
    const drafts = selectedDrafts(s, isDopamineAgonist);
    const first = drafts[0];
    if (!first) return undefined;
    return {
      ruleId: 'dopamine-agonist-new-start',
      indicator: 'info',
      values: { drug: first.ingredient.display },
      evidence: drafts.map((d) => `draft ${doseLine(d)}`),
      computed: drafts.map(describeEquivalent).filter((x): x is string => !!x),
      missing: [],
      suggestions: [
        { kind: 'gabapentin-instead', esrd: !!s.esrd, reference: first.reference, display: first.display },
      ],
    };
  },
};

/** The dopamine-agonist rules, in catalog order. */
export const AUGMENTATION_RULES: readonly Rule[] = [
  dopamineAgonistReview,
  augmentationSuspected,
  dopamineAgonistDoseIncrease,
  dopamineAgonistNewStart,
];
