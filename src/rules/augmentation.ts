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
  ADEQUATE_ALPHA2DELTA_MG_PER_DAY,
  AUGMENTATION_DOSE_INCREASES,
  GABAPENTIN_TARGET_MG_PER_DAY,
  COMPLETED_ORDER_CURRENT_DAYS,
  IRLS_RECENT_MONTHS,
  IRLS_SEVERE_AT_LEAST,
  RLS_MAX_DAILY_DOSE_MG,
  TAPER_STEP_PRAMIPEXOLE_EQ_MG,
} from '../knowledge/thresholds.js';
import { displayDate, monthsBefore } from '../clinical/time.js';
import { type CompletedInBaseline, type OrderRegimen, orderRegimen, totalOf } from '../clinical/regimen.js';
import type { DraftOrderFact, ScoreFact } from '../clinical/snapshot.js';
import { doseReading, medication, num } from './describe.js';
import { completedWhy, selectedDrafts, therapyName } from './focus.js';
import { gateLines, gateNames, opioidGates } from './gates.js';
import type { Finding, Rule, SuggestionIntent } from './types.js';

function doseLine(m: MedicationFact): string {
  const eq = describeEquivalent(m);
  const since = m.start ? ` since ${displayDate(m.start)}` : '';
  return `${medication(m)}${eq && m.ingredient.id !== 'pramipexole' ? ` = ${eq}` : ''}${since}`;
}

/**
 * A current dopaminergic drug as patient-view cards list it: "active: <dose line>",
 * or for a completed order still current the order-time wording (why, dose, reference).
 */
function currentLine(s: PatientSnapshot, m: MedicationFact): string {
  const why = completedWhy(s, m);
  return why ? describeCompleted({ fact: m, why }) : `active: ${doseLine(m)}`;
}

/**
 * Dopaminergic dose increases within the window: consecutive orders of the
 * same scale (agonists in pramipexole-equivalents, levodopa in mg) whose dose rose.
 */
export function recentDoseIncreases(s: PatientSnapshot): { count: number; lines: string[] } {
  const since = monthsBefore(s.now, AUGMENTATION_DOSE_INCREASES.withinMonths).getTime();
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const orders = s.medicationHistory
      .filter((m) => m.resourceType === 'MedicationRequest' && family.member(m) && m.startTime !== undefined)
      .sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0));
    for (let i = 1; i < orders.length; i++) {
      const before = orders[i - 1];
      const after = orders[i];
      if (!before || !after) continue;
      const a = family.value(before);
      const b = family.value(after);
      if (a === undefined || b === undefined || b <= a || (after.startTime ?? 0) < since) continue;
      lines.push(`dose raised on ${displayDate(after.start ?? '')}: ${num(a)} → ${num(b)} ${family.unit}`);
    }
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
  const agonists = s.currentTherapy.filter(isDopamineAgonist);
  for (const m of agonists) {
    const max = RLS_MAX_DAILY_DOSE_MG[m.ingredient.id];
    if (max !== undefined && m.dose.known && m.dose.mgPerDay > max) {
      signs.push(
        `${m.ingredient.display} ${num(m.dose.mgPerDay)} mg/day is above the RLS maximum of ${max} mg/day`,
      );
    }
  }
  const distinct = new Set(agonists.map((m) => m.ingredient.id));
  const summed = totalOf(agonists, pramipexoleEquivalent);
  const pramipexoleMax = RLS_MAX_DAILY_DOSE_MG.pramipexole ?? 0;
  if (distinct.size >= 2 && summed.known && summed.total > pramipexoleMax) {
    signs.push(
      `${[...distinct].join(' + ')} together: ${num(summed.total)} mg/day pramipexole-equivalent, above the RLS maximum of ${pramipexoleMax} mg/day pramipexole`,
    );
  }
  const [previous, latest] = s.irlsScores.slice(-2);
  if (previous && latest && latest.value > previous.value) {
    signs.push(
      `IRLS rose from ${previous.value} (${displayDate(previous.effective)}) to ${latest.value} (${displayDate(latest.effective)})`,
    );
  }
  return signs;
}

/** The latest IRLS score of the last 6 months, if any. */
function recentIrls(s: PatientSnapshot): ScoreFact | undefined {
  const since = monthsBefore(s.now, IRLS_RECENT_MONTHS).getTime();
  const latest = s.irlsScores[s.irlsScores.length - 1];
  return latest && latest.time >= since ? latest : undefined;
}

/** What to add before tapering, fitted to what the patient already takes (catalog policy, docs/clinical.md). */
function augmentationPlan(s: PatientSnapshot): {
  variant?: string;
  values: Record<string, string>;
  lines: string[];
  suggestions: SuggestionIntent[];
} {
  const a2d = s.currentTherapy.filter((m) => m.classes.includes('alpha2delta'));
  const gabapentin: SuggestionIntent = { kind: 'gabapentin-instead', esrd: !!s.esrd };
  if (a2d.length === 0) {
    // Severe augmentation: the clinical guidance goes straight to an opioid (when no gate applies).
    const latest = recentIrls(s);
    const gates = opioidGates(s);
    const onOpioid = s.currentTherapy.some((m) => m.classes.includes('opioid'));
    if (latest && latest.value >= IRLS_SEVERE_AT_LEAST && !s.esrd && !onOpioid && gates.length === 0)
      return {
        variant: 'severe',
        values: { irls: String(latest.value) },
        lines: [
          `IRLS ${latest.value} on ${displayDate(latest.effective)} (severe: ${IRLS_SEVERE_AT_LEAST} or more): an opioid may come first`,
        ],
        suggestions: [{ kind: 'order-oxycodone-er' }, gabapentin],
      };
    return { values: {}, lines: [], suggestions: [gabapentin] };
  }
  const partner = a2d
    .map(
      (m) => `${m.ingredient.display} ${m.dose.known ? `${num(m.dose.mgPerDay)} mg/day` : '(dose unknown)'}`,
    )
    .join(' + ');
  const on = `already on ${a2d.map((m) => therapyName(s, m)).join('; ')}`;
  if (s.esrd)
    return {
      variant: 'esrd-on-alpha2delta',
      values: { partner },
      lines: [`${on}; in ESRD the alpha-2-delta dose stays low, so it is not titrated further here`],
      suggestions: [],
    };
  const therapeutic = a2d.filter((m) => {
    const adequate = ADEQUATE_ALPHA2DELTA_MG_PER_DAY[m.ingredient.id];
    return adequate !== undefined && m.dose.known && m.dose.mgPerDay >= adequate;
  });
  if (therapeutic.length === 0) {
    const unread = a2d.filter((m) => !m.dose.known);
    return {
      variant: 'titrate',
      values: { partner },
      lines: [
        `${on}: ${unread.length ? 'its dose could not be read (check it by hand); ' : ''}titrate it towards the adequate dose (gabapentin ${ADEQUATE_ALPHA2DELTA_MG_PER_DAY.gabapentin}-${GABAPENTIN_TARGET_MG_PER_DAY.max} mg/day, pregabalin ${ADEQUATE_ALPHA2DELTA_MG_PER_DAY.pregabalin} mg/day, gabapentin enacarbil ${ADEQUATE_ALPHA2DELTA_MG_PER_DAY['gabapentin-enacarbil']} mg/day) rather than adding a second order`,
      ],
      suggestions: [],
    };
  }
  const therapeuticLine = `${on}: at or above the adequate dose, so the next step is an opioid`;
  const opioids = s.currentTherapy.filter((m) => m.classes.includes('opioid'));
  if (opioids.length > 0)
    return {
      variant: 'on-opioid',
      values: { partner },
      lines: [therapeuticLine, `already on an opioid: ${opioids.map((m) => therapyName(s, m)).join('; ')}`],
      suggestions: [],
    };
  const gates = opioidGates(s);
  if (gates.length > 0)
    return {
      variant: 'opioid-gated',
      values: { partner, gates: gateNames(gates) },
      lines: [therapeuticLine, ...gateLines(gates)],
      suggestions: [],
    };
  return {
    variant: 'opioid-next',
    values: { partner },
    lines: [therapeuticLine],
    suggestions: [{ kind: 'order-oxycodone-er' }],
  };
}

/**
 * `augmentation-suspected`: a current dopaminergic drug (agonist or levodopa: active, or a
 * completed order still current) with any sign of augmentation.
 */
export const augmentationSuspected: Rule = {
  id: 'augmentation-suspected',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'a current agonist or levodopa (active, or a completed order still current) and: an augmentation finding not recorded as absent, ≥ 2 dose increases in 12 months, a dose above the RLS maximum (2 agonists: summed > 0.5 mg pramipexole-eq.), a rising IRLS',
    indicator: 'warning',
    suggests:
      'fitted: gabapentin 300 mg TID; titrate the one taken; or ER oxycodone (opioid gates); computed taper',
    basis: 'IRLSSG 2016; AASM 2025',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const dopaminergic = s.currentTherapy.filter(isDopaminergic);
    if (dopaminergic.length === 0) return undefined;
    const signs = augmentationSigns(s);
    if (signs.length === 0) return undefined;
    const agonists = dopaminergic.filter(isDopamineAgonist);
    const withDose = agonists
      .filter((m) => m.dose.known)
      .sort((a, b) => (pramipexoleEquivalent(b) ?? 0) - (pramipexoleEquivalent(a) ?? 0))[0];
    const steps =
      withDose && withDose.dose.known ? taperSchedule(withDose.ingredient.id, withDose.dose.mgPerDay) : [];
    const missing: string[] = [];
    if (agonists.length === 0)
      missing.push(
        'no taper schedule is computed for levodopa: taper it slowly once the new drug controls symptoms',
      );
    else if (steps.length === 0)
      missing.push('the current daily dose is unknown, so no taper schedule could be computed');
    for (const m of dopaminergic) if (!m.dose.known) missing.push(doseReading(m));
    if (s.irlsScores.length < 2)
      missing.push('fewer than two IRLS scores on record: a rising score could not be checked');
    const plan = augmentationPlan(s);
    return {
      ruleId: 'augmentation-suspected',
      indicator: 'warning',
      values: {
        drug: (withDose ?? dopaminergic[0])?.ingredient.display ?? 'the dopaminergic drug',
        ...plan.values,
      },
      evidence: [
        ...dopaminergic.map((m) => currentLine(s, m)),
        ...signs.map((x) => `sign: ${x}`),
        ...plan.lines,
      ],
      computed: dopaminergic
        .map(describeEquivalent)
        .filter((x): x is string => !!x)
        .concat(
          s.currentTherapy
            .filter((m) => m.dose.known && (isDopaminergic(m) || m.classes.includes('alpha2delta')))
            .map(doseReading),
        )
        .concat(
          steps.length
            ? [
                `taper steps of ${num((steps[0]?.pramipexoleEq ?? 0) - (steps[1]?.pramipexoleEq ?? 0))} mg pramipexole-equivalent (guideline ${TAPER_STEP_PRAMIPEXOLE_EQ_MG.min}-${TAPER_STEP_PRAMIPEXOLE_EQ_MG.max} mg)`,
              ]
            : [],
        ),
      missing,
      suggestions: plan.suggestions,
      ...(plan.variant ? { variant: plan.variant } : {}),
      ...(withDose && steps.length ? { taper: { drug: withDose.ingredient.display, steps } } : {}),
    };
  },
};

/**
 * `dopamine-agonist-review`: a current dopamine agonist or levodopa (active, or a completed
 * order still current) with no sign of augmentation.
 */
export const dopamineAgonistReview: Rule = {
  id: 'dopamine-agonist-review',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'a current pramipexole, ropinirole, rotigotine or levodopa (active, or a completed order still current: its supply + {{supplyGraceDays}} days, else authored ≤ {{completedOrderCurrentDays}} days ago), and no sign of augmentation',
    indicator: 'info',
    suggests: 'none',
    basis: 'AASM 2025: conditional against standard use',
  },
  evaluate(s, hook) {
    if (!s.rls) return undefined;
    const dopaminergic = s.currentTherapy.filter(isDopaminergic);
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
      evidence: dopaminergic.map((m) => currentLine(s, m)),
      computed: dopaminergic.map(describeEquivalent).filter((x): x is string => !!x),
      missing,
      suggestions: [],
    };
  },
};

/** Levodopa (carbidopa/levodopa), compared only with levodopa. */
const isLevodopa = (m: MedicationFact): boolean => m.classes.includes('levodopa');

/** The levodopa mg/day of an order, when read. */
const levodopaMg = (m: MedicationFact): number | undefined => (m.dose.known ? m.dose.mgPerDay : undefined);

/** A dose family compared on one scale: the agonists in pramipexole-equivalents, levodopa in mg. */
interface Family {
  readonly name: string;
  readonly unit: string;
  readonly member: (m: MedicationFact) => boolean;
  readonly value: (m: MedicationFact) => number | undefined;
}

const FAMILIES: readonly Family[] = [
  {
    name: 'dopamine agonists',
    unit: 'mg/day pramipexole-equivalent',
    member: isDopamineAgonist,
    value: pramipexoleEquivalent,
  },
  { name: 'levodopa', unit: 'mg/day levodopa', member: isLevodopa, value: levodopaMg },
];

function describeCompleted(c: CompletedInBaseline): string {
  return `${c.why}: ${doseLine(c.fact)}${timesOf(c.fact)} (${c.fact.reference})`;
}

/** " (at bedtime)", " (at 17:00)", or nothing when no time of day is known. */
function timesOf(m: MedicationFact): string {
  const slots = (m.timeSlots ?? []).filter((x) => x !== 'schedule' && x !== 'patch');
  return slots.length ? ` (at ${slots.join(' and ')})` : '';
}

/**
 * What each draft of the family does to the family's daily total: its own dose minus the
 * baseline orders of the family it replaces (an addition adds its whole dose, a higher renewal
 * the difference, a taper a negative amount). Called only when every dose of the family was read.
 */
function draftChanges(
  regimen: OrderRegimen,
  family: Family,
): { readonly draft: DraftOrderFact; readonly delta: number }[] {
  return regimen.drafts.filter(family.member).map((draft) => {
    const replaced = regimen.baseline.filter(
      (b) => family.member(b) && regimen.replaced.get(b.reference)?.by === draft,
    );
    const removed = replaced.reduce((sum, b) => sum + (family.value(b) ?? 0), 0);
    return { draft, delta: Math.round(((family.value(draft) ?? 0) - removed) * 1000) / 1000 };
  });
}

/**
 * The alpha-2-delta suggestion that fits the regimen: gabapentin to start when
 * the patient takes no alpha-2-delta ligand; none (titrate the one taken) when
 * the patient already takes one.
 */
function alpha2DeltaFit(
  regimen: readonly MedicationFact[],
): { kind: 'start' } | { kind: 'titrate'; line: string } {
  const a2d = regimen.filter((m) => m.classes.includes('alpha2delta'));
  if (a2d.length === 0) return { kind: 'start' };
  return {
    kind: 'titrate',
    line: `already on an alpha-2-delta ligand (${a2d.map(medication).join('; ')}): titrate it rather than adding a second one`,
  };
}

/**
 * `dopamine-agonist-dose-increase`: the resulting regimen's dopaminergic dose
 * exceeds the baseline's (an extra dose, a higher renewal, a patch step, a
 * switch at a higher equivalent dose), or a second dopaminergic drug is added
 * without replacing the first; a draft whose dose cannot be read on top of
 * active dopaminergic therapy fires at warning. A taper fires nothing. The card offers to
 * delete the drafts that raise the dose, never a taper beside them: at order-select the selected
 * ones, or, when no selected draft raises it, the unselected ones that do.
 */
export const dopamineAgonistDoseIncrease: Rule = {
  id: 'dopamine-agonist-dose-increase',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'resulting regimen above the baseline (agonists in pramipexole-eq., levodopa in mg): extra dose, higher renewal, patch step, switch; a second dopaminergic drug; an unreadable dose',
    indicator: 'critical; warning when a dose could not be read',
    suggests:
      'delete the draft that raises the dose (never a taper; at order-select an unselected one when no selected draft raises it); gabapentin instead when no alpha-2-delta ligand is taken',
    basis: 'IRLSSG 2016; AASM 2025',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const selected = selectedDrafts(s, isDopaminergic);
    if (selected.length === 0) return undefined;
    const regimen = orderRegimen(s);
    const baseline = regimen.baseline.filter(isDopaminergic);
    if (baseline.length === 0) return undefined;
    const completedUsed = regimen.completed.filter((c) => isDopaminergic(c.fact));
    const evidence: string[] = baseline
      .filter((m) => !completedUsed.some((c) => c.fact === m))
      .map((m) => `current: ${doseLine(m)}${timesOf(m)}`);
    evidence.push(...completedUsed.map(describeCompleted));
    const computed: string[] = [];
    const missing: string[] = [];
    const causes = new Set<DraftOrderFact>();
    let increase = false;
    let secondDrug = false;
    let unknown = false;

    const families = FAMILIES.filter((f) => selected.some(f.member));
    // Every dopaminergic draft of a family the selection touches counts in its total, so the card names each one.
    const shown = regimen.drafts.filter(
      (d) => isDopaminergic(d) && (d.selected || families.some((f) => f.member(d))),
    );
    for (const draft of shown) {
      const said = draft.selected ? 'draft' : 'draft not selected yet:';
      const replacing = baseline.filter((b) => regimen.replaced.get(b.reference)?.by === draft);
      for (const b of replacing)
        evidence.push(`${said} ${doseLine(draft)} ${regimen.replaced.get(b.reference)?.how ?? ''}`);
      if (replacing.length === 0) {
        const sameDrug = baseline.some((b) => b.ingredient.id === draft.ingredient.id);
        evidence.push(
          `${said} ${doseLine(draft)}${timesOf(draft)} ${
            !sameDrug
              ? 'is added to the current dopaminergic therapy'
              : draft.timeSlots?.length
                ? 'is added to the current order (another time of day)'
                : 'is counted as an addition (no time of day stated, no prior prescription named)'
          }`,
        );
        if (!sameDrug && draft.selected) {
          secondDrug = true;
          causes.add(draft);
        }
      }
    }
    for (const family of families) {
      const before = totalOf(regimen.baseline.filter(family.member), family.value);
      const after = totalOf(regimen.resulting.filter(family.member), family.value);
      if (!before.known || !after.known) {
        unknown = true;
        const unread = [...(before.known ? [] : before.unknown), ...(after.known ? [] : after.unknown)];
        for (const m of new Set(unread)) missing.push(doseReading(m));
        continue;
      }
      computed.push(
        `${family.name}: ${num(before.total)} ${family.unit} now, ${num(after.total)} ${family.unit} with the draft orders`,
      );
      if (after.total > before.total + 1e-9) {
        increase = true;
        // The drafts that raise the total cause the finding; a taper in the same family lowers it and never does.
        for (const change of draftChanges(regimen, family)) {
          computed.push(
            `${change.draft.display}${timesOf(change.draft)}: ${change.delta > 0 ? '+' : ''}${num(change.delta)} ${family.unit}${change.delta > 0 ? ' (raises the dose)' : change.delta < 0 ? ' (lowers the dose)' : ''}`,
          );
          if (change.delta > 1e-9) causes.add(change.draft);
        }
      }
    }
    for (const m of [...baseline, ...shown]) if (m.dose.known) computed.push(doseReading(m));
    computed.push(
      ...[...baseline, ...shown]
        .map(describeEquivalent)
        .filter((x): x is string => !!x && !x.endsWith('pramipexole')),
    );
    if (!increase && !secondDrug && !unknown) return undefined;
    const loud = increase || secondDrug;
    const fit = alpha2DeltaFit(regimen.resulting);
    if (fit.kind === 'titrate') evidence.push(fit.line);
    // At order-select the selected drafts that cause the finding are the ones to remove; when none of them
    // does (a selected taper beside an unselected extra dose), the unselected drafts that raise the dose are.
    const causing = [...causes];
    const selectedCausing = causing.filter((d) => d.selected);
    const targets = loud
      ? selectedCausing.length
        ? selectedCausing
        : causing
      : selected.filter((d) => !d.dose.known);
    for (const d of targets)
      if (loud && !d.selected)
        evidence.push(
          `the dose is raised by ${d.display}${timesOf(d)} (${d.reference}), drafted but not selected yet: the draft to remove`,
        );
    const suggestions: SuggestionIntent[] = loud
      ? [
          ...targets.map((d): SuggestionIntent => ({
            kind: 'delete-draft',
            reference: d.reference,
            display: `${d.display}${timesOf(d)}`,
          })),
          ...(fit.kind === 'start' ? [{ kind: 'gabapentin-instead', esrd: !!s.esrd } as const] : []),
        ]
      : [];
    return {
      ruleId: 'dopamine-agonist-dose-increase',
      indicator: loud ? 'critical' : 'warning',
      values: { drug: (targets[0] ?? selected[0])?.ingredient.display ?? 'the dopaminergic drug' },
      evidence,
      computed: [...new Set(computed)],
      missing,
      suggestions,
      ...(loud ? (increase ? {} : { variant: 'second-agonist' }) : { variant: 'dose-unknown' }),
    };
  },
};

/** `dopamine-agonist-new-start`: a draft dopamine agonist for a patient on no dopaminergic drug (v2 baseline). */
export const dopamineAgonistNewStart: Rule = {
  id: 'dopamine-agonist-new-start',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'a draft agonist for a patient with no dopaminergic drug in the baseline (active, or completed in the last {{completedOrderCurrentDays}} days)',
    indicator: 'info',
    suggests: 'replace the draft with gabapentin (none when an alpha-2-delta ligand is taken)',
    basis: 'AASM 2025: alpha-2-delta strong for, moderate',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = selectedDrafts(s, isDopamineAgonist);
    const first = drafts[0];
    if (!first) return undefined;
    const regimen = orderRegimen(s);
    if (regimen.baseline.some(isDopaminergic)) return undefined;
    return newStartFinding('dopamine-agonist-new-start', 'info', drafts, regimen, !!s.esrd);
  },
};

/**
 * `levodopa-new-start`: a draft levodopa for a patient on no dopaminergic drug:
 * warning (AASM 2025 suggests against standard use; the most augmentation-prone
 * dopaminergic drug), info when every draft is taken only as needed.
 */
export const levodopaNewStart: Rule = {
  id: 'levodopa-new-start',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'a draft levodopa (carbidopa/levodopa) for a patient with no dopaminergic drug in the baseline',
    indicator: 'warning; info when every draft is as needed',
    suggests: 'replace the draft with gabapentin (none when as needed)',
    basis: 'AASM 2025: levodopa conditional against',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = selectedDrafts(s, isLevodopa);
    if (drafts.length === 0) return undefined;
    const regimen = orderRegimen(s);
    if (regimen.baseline.some(isDopaminergic)) return undefined;
    const asNeeded = drafts.every((d) => d.asNeeded === true);
    const finding = newStartFinding(
      'levodopa-new-start',
      asNeeded ? 'info' : 'warning',
      drafts,
      regimen,
      !!s.esrd,
    );
    // As-needed levodopa is a reasonable choice for intermittent symptoms: no replacement is pushed.
    return asNeeded ? { ...finding, suggestions: [], variant: 'as-needed' } : finding;
  },
};

function newStartFinding(
  ruleId: string,
  indicator: Finding['indicator'],
  drafts: readonly DraftOrderFact[],
  regimen: OrderRegimen,
  esrd: boolean,
): Finding {
  const first = drafts[0];
  const fit = alpha2DeltaFit(regimen.resulting);
  return {
    ruleId,
    indicator,
    values: { drug: first?.ingredient.display ?? 'the dopaminergic drug' },
    evidence: [
      ...drafts.map((d) => `draft ${doseLine(d)}${d.asNeeded ? ' (as needed)' : ''}`),
      `no dopaminergic drug in the current regimen (active orders, reported medications, orders completed in the last ${COMPLETED_ORDER_CURRENT_DAYS} days)`,
      ...(fit.kind === 'titrate' ? [fit.line] : []),
    ],
    computed: drafts.map((d) => (d.dose.known ? doseReading(d) : undefined)).filter((x): x is string => !!x),
    missing: drafts.filter((d) => !d.dose.known).map(doseReading),
    suggestions:
      fit.kind === 'start' && first
        ? [{ kind: 'gabapentin-instead', esrd, reference: first.reference, display: first.display }]
        : [],
  };
}

/** The dopamine-agonist rules, in catalog order. */
export const AUGMENTATION_RULES: readonly Rule[] = [
  dopamineAgonistReview,
  augmentationSuspected,
  dopamineAgonistDoseIncrease,
  dopamineAgonistNewStart,
  levodopaNewStart,
];
