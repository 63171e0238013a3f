/**
 * Iron rules: check iron studies first, then optimize iron before any
 * escalation (AASM 2025 iron good-practice statement and IV iron
 * recommendations); after an IV iron dose, recheck rather than repeat, and
 * stay below the IRLSSG 2018 upper bounds for IV iron.
 */
import type { PatientSnapshot } from '../clinical/snapshot.js';
import {
  ESRD_FERRITIN_BELOW_NG_ML,
  ESRD_TSAT_BELOW_PCT,
  FERRITIN_BORDERLINE_UPPER_NG_ML,
  FERRITIN_OPTIMIZED_ABOVE_NG_ML,
  IV_IRON_CEILING,
  IV_IRON_RECHECK_AFTER_WEEKS,
  LAB_FRESHNESS_MONTHS,
  TSAT_OPTIMIZED_AT_LEAST_PCT,
} from '../knowledge/thresholds.js';
import { daysBetween, displayDate, monthsBefore } from '../clinical/time.js';
import { describeLab, labShort, num } from './describe.js';
import type { Finding, Rule, SuggestionIntent } from './types.js';

/** Evidence and gaps for ferritin and TSAT together, shared by every iron rule. */
function ironEvidence(s: PatientSnapshot): Pick<Finding, 'evidence' | 'computed' | 'missing' | 'values'> {
  const f = describeLab('ferritin', s.ferritin);
  const t = describeLab('TSAT', s.tsat);
  return {
    evidence: [...f.evidence, ...t.evidence, ...ivIronLine(s)],
    computed: [...f.computed, ...t.computed],
    missing: [...f.missing, ...t.missing],
    values: { ferritin: labShort(s.ferritin.latest), tsat: labShort(s.tsat.latest) },
  };
}

function ivIronLine(s: PatientSnapshot): string[] {
  const d = s.latestIvIron;
  return d ? [`latest IV iron: ${d.display} on ${displayDate(d.date)} (${d.reference}, ${d.status})`] : [];
}

/**
 * Iron status against the AASM thresholds, from current values only:
 * `true` when ferritin <= 75 ng/mL or TSAT < 20 % (either alone decides),
 * `false` when both are known and above, `undefined` when it cannot be told.
 */
export function ironNotOptimized(s: PatientSnapshot): boolean | undefined {
  const ferritin = s.ferritin.latest?.value;
  const tsat = s.tsat.latest?.value;
  if (ferritin !== undefined && ferritin <= FERRITIN_OPTIMIZED_ABOVE_NG_ML) return true;
  if (tsat !== undefined && tsat < TSAT_OPTIMIZED_AT_LEAST_PCT) return true;
  if (ferritin === undefined || tsat === undefined) return undefined;
  return false;
}

/**
 * Iron optimized in the sense of the clinical guidance's definition of
 * refractory RLS: current ferritin above 75 ng/mL **and** TSAT above 20 %
 * (strictly). A TSAT of exactly 20 % is not "not optimized" (no IV iron card:
 * IV iron is for TSAT below 20 %), but it is not above 20 % either, so RLS is
 * not called refractory on it.
 */
export function ironOptimizedForRefractory(s: PatientSnapshot): boolean {
  if (ironNotOptimized(s) !== false) return false;
  const tsat = s.tsat.latest?.value;
  return tsat !== undefined && tsat > TSAT_OPTIMIZED_AT_LEAST_PCT;
}

/** Days since the latest IV iron dose, when there is one. */
export function daysSinceIvIron(s: PatientSnapshot): number | undefined {
  return s.latestIvIron ? daysBetween(s.latestIvIron.time, s.now.getTime()) : undefined;
}

/** True within 6 weeks of an IV iron dose: no iron rule suggests more iron then. */
export function ivIronTooRecent(s: PatientSnapshot): boolean {
  const days = daysSinceIvIron(s);
  return days !== undefined && days < IV_IRON_RECHECK_AFTER_WEEKS * 7;
}

/**
 * Why IV iron must not be drafted: TSAT >= 45 % (possible iron overload) or
 * ferritin >= 300 ng/mL (possible inflammation or overload). Empty when neither.
 */
export function ivIronCeilingReasons(s: PatientSnapshot): string[] {
  const reasons: string[] = [];
  const t = s.tsat.latest;
  const f = s.ferritin.latest;
  if (t && t.value >= IV_IRON_CEILING.tsatPct)
    reasons.push(
      `TSAT ${num(t.value)} % on ${displayDate(t.effective)} is at or above ${IV_IRON_CEILING.tsatPct} %`,
    );
  if (f && f.value >= IV_IRON_CEILING.ferritinNgMl)
    reasons.push(
      `ferritin ${num(f.value)} ng/mL on ${displayDate(f.effective)} is at or above ${IV_IRON_CEILING.ferritinNgMl} ng/mL`,
    );
  return reasons;
}

/**
 * The IV iron suggestion of an iron card, or the iron panel instead when an
 * upper bound is reached (then the card's `overload` variant says why).
 */
function ivIronOrPanel(
  s: PatientSnapshot,
  iron: SuggestionIntent,
): { suggestions: SuggestionIntent[]; ceiling: string[] } {
  const ceiling = ivIronCeilingReasons(s);
  return ceiling.length > 0
    ? { suggestions: [{ kind: 'order-iron-studies' }], ceiling }
    : { suggestions: [iron], ceiling };
}

/** True when the iron results on file predate an IV iron dose of the last 12 months. */
function labsPredateIvIron(s: PatientSnapshot): boolean {
  return !!(s.ferritin.beforeIvIron ?? s.tsat.beforeIvIron);
}

/**
 * `iron-studies-due`: no ferritin or no TSAT within the freshness window. When
 * the only results predate a recent IV iron dose, `iron-recheck-after-infusion`
 * speaks instead (from 6 weeks after the dose; before that it is too early).
 */
export const ironStudiesDue: Rule = {
  id: 'iron-studies-due',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'no current ferritin or no current TSAT ({{labFreshnessMonths}} months; results drawn before an IV iron dose of the last {{labFreshnessMonths}} months are not current); silent when only such pre-infusion results exist or within {{ivIronRecheckWeeks}} weeks of a dose (`iron-recheck-after-infusion` speaks then)',
    indicator: 'info',
    suggests:
      'order ferritin, iron, TIBC, TSAT (ServiceRequests; morning, fasting, {{ironHoldHours}} h off iron)',
    basis: 'AASM 2025 good-practice statement',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    if (s.ferritin.latest && s.tsat.latest) return undefined;
    if (labsPredateIvIron(s)) return undefined;
    if (ivIronTooRecent(s)) return undefined;
    return {
      ruleId: 'iron-studies-due',
      indicator: 'info',
      ...ironEvidence(s),
      suggestions: [{ kind: 'order-iron-studies' }],
    };
  },
};

/** `iron-not-optimized`: not ESRD; ferritin <= 75 ng/mL or TSAT < 20 %; not within 6 weeks of IV iron. */
export const ironNotOptimizedRule: Rule = {
  id: 'iron-not-optimized',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'not ESRD; current ferritin ≤ {{ferritinTarget}} ng/mL **or** TSAT < {{tsatTarget}} %; not within {{ivIronRecheckWeeks}} weeks of an IV iron dose',
    indicator: 'warning',
    suggests:
      'IV ferric carboxymaltose {{fcmDoseMin}} mg; **at TSAT ≥ {{ivIronCeilingTsat}} % or ferritin ≥ {{ivIronCeilingFerritin}} ng/mL no IV iron draft**: the card says to rule out overload or inflammation and orders the iron panel',
    basis: 'AASM 2025: strong for, moderate; IRLSSG 2018 upper bounds',
  },
  evaluate(s) {
    if (!s.rls || s.esrd) return undefined;
    if (ironNotOptimized(s) !== true) return undefined;
    if (ivIronTooRecent(s)) return undefined;
    const base = ironEvidence(s);
    const { suggestions, ceiling } = ivIronOrPanel(s, { kind: 'order-ferric-carboxymaltose' });
    return {
      ruleId: 'iron-not-optimized',
      indicator: 'warning',
      ...base,
      evidence: [...base.evidence, ...ceiling.map((c) => `upper bound for IV iron: ${c}`)],
      suggestions,
      ...(ceiling.length > 0 ? { variant: 'overload' } : {}),
    };
  },
};

/** `iron-borderline`: not ESRD; ferritin above 75 and up to 100 ng/mL with TSAT >= 20 %. */
export const ironBorderline: Rule = {
  id: 'iron-borderline',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'not ESRD; {{ferritinTarget}} < ferritin ≤ {{ferritinBorderlineUpper}} ng/mL and TSAT ≥ {{tsatTarget}} %; not within {{ivIronRecheckWeeks}} weeks of an IV iron dose',
    indicator: 'info',
    suggests:
      'IV ferric carboxymaltose (not marked recommended); iron panel instead at TSAT ≥ {{ivIronCeilingTsat}} %',
    basis: 'AASM 2025 (100 ng/mL edge: secondary summaries)',
  },
  evaluate(s) {
    if (!s.rls || s.esrd) return undefined;
    const ferritin = s.ferritin.latest?.value;
    const tsat = s.tsat.latest?.value;
    if (ferritin === undefined || tsat === undefined) return undefined;
    if (ferritin <= FERRITIN_OPTIMIZED_ABOVE_NG_ML || ferritin > FERRITIN_BORDERLINE_UPPER_NG_ML)
      return undefined;
    if (tsat < TSAT_OPTIMIZED_AT_LEAST_PCT) return undefined;
    if (ivIronTooRecent(s)) return undefined;
    const base = ironEvidence(s);
    const { suggestions, ceiling } = ivIronOrPanel(s, { kind: 'order-ferric-carboxymaltose' });
    return {
      ruleId: 'iron-borderline',
      indicator: 'info',
      ...base,
      evidence: [...base.evidence, ...ceiling.map((c) => `upper bound for IV iron: ${c}`)],
      suggestions,
      ...(ceiling.length > 0 ? { variant: 'overload' } : {}),
    };
  },
};

/** `esrd-iron-not-optimized`: ESRD; ferritin < 200 ng/mL and TSAT < 20 %; not within 6 weeks of IV iron. */
export const esrdIronNotOptimized: Rule = {
  id: 'esrd-iron-not-optimized',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'ESRD; ferritin < {{esrdFerritinBelow}} ng/mL **and** TSAT < {{esrdTsatBelow}} %; not within {{ivIronRecheckWeeks}} weeks of an IV iron dose',
    indicator: 'warning',
    suggests: 'IV iron sucrose (dose per dialysis protocol)',
    basis: 'AASM 2025 ESRD: conditional for, moderate',
  },
  evaluate(s) {
    if (!s.rls || !s.esrd) return undefined;
    const ferritin = s.ferritin.latest?.value;
    const tsat = s.tsat.latest?.value;
    if (ferritin === undefined || tsat === undefined) return undefined;
    if (!(ferritin < ESRD_FERRITIN_BELOW_NG_ML && tsat < ESRD_TSAT_BELOW_PCT)) return undefined;
    if (ivIronTooRecent(s)) return undefined;
    const base = ironEvidence(s);
    return {
      ruleId: 'esrd-iron-not-optimized',
      indicator: 'warning',
      ...base,
      evidence: [
        ...base.evidence,
        `ESRD: ${s.esrd.display}${s.esrd.date ? ` (since ${displayDate(s.esrd.date)})` : ''}`,
        ...(s.dialysis
          ? [`dialysis: ${s.dialysis.display}${s.dialysis.date ? ` (${displayDate(s.dialysis.date)})` : ''}`]
          : []),
      ],
      suggestions: [{ kind: 'order-iron-sucrose' }],
    };
  },
};

/**
 * `iron-recheck-after-infusion`: the latest IV iron dose was given 6 weeks to
 * 12 months ago and ferritin or TSAT has not been drawn since.
 */
export const ironRecheckAfterInfusion: Rule = {
  id: 'iron-recheck-after-infusion',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'the latest IV iron dose (MedicationRequest, MedicationStatement or MedicationAdministration of any status but cancelled, entered in error, draft, not taken or not done; dated by administration, effective date or authoredOn) was {{ivIronRecheckWeeks}} weeks to {{labFreshnessMonths}} months ago and ferritin or TSAT has not been drawn since',
    indicator: 'info',
    suggests: 'order the iron panel; the card names the product and date of the dose',
    basis: 'AASM 2025 iron statement; recheck from 6 weeks: catalog policy',
  },
  evaluate(s) {
    if (!s.rls || !s.latestIvIron) return undefined;
    const dose = s.latestIvIron;
    const days = daysBetween(dose.time, s.now.getTime());
    if (days < IV_IRON_RECHECK_AFTER_WEEKS * 7) return undefined;
    if (dose.time < monthsBefore(s.now, LAB_FRESHNESS_MONTHS).getTime()) return undefined;
    if (s.ferritin.latest && s.tsat.latest) return undefined;
    const base = ironEvidence(s);
    return {
      ruleId: 'iron-recheck-after-infusion',
      indicator: 'info',
      ...base,
      values: {
        ...base.values,
        product: dose.display,
        doseDate: displayDate(dose.date),
        weeks: num(Math.floor(days / 7)),
      },
      suggestions: [{ kind: 'order-iron-studies' }],
    };
  },
};

/** The iron rules, in catalog order. */
export const IRON_RULES: readonly Rule[] = [
  ironStudiesDue,
  ironNotOptimizedRule,
  ironBorderline,
  esrdIronNotOptimized,
  ironRecheckAfterInfusion,
];
