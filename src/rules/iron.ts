/**
 * Iron rules: check iron studies first, then optimize iron before any
 * escalation (AASM 2025 iron good-practice statement and IV iron recommendations).
 */
import type { PatientSnapshot } from '../clinical/snapshot.js';
import {
  ESRD_FERRITIN_BELOW_NG_ML,
  ESRD_TSAT_BELOW_PCT,
  FERRITIN_BORDERLINE_UPPER_NG_ML,
  FERRITIN_OPTIMIZED_ABOVE_NG_ML,
  TSAT_OPTIMIZED_AT_LEAST_PCT,
} from '../clinical/thresholds.js';
import { describeLab, labShort } from './describe.js';
import type { Finding, Rule } from './types.js';

/** Evidence and gaps for ferritin and TSAT together, shared by every iron rule. */
function ironEvidence(s: PatientSnapshot): Pick<Finding, 'evidence' | 'computed' | 'missing' | 'values'> {
  const f = describeLab('ferritin', s.ferritin);
  const t = describeLab('TSAT', s.tsat);
  return {
    evidence: [...f.evidence, ...t.evidence],
    computed: [...f.computed, ...t.computed],
    missing: [...f.missing, ...t.missing],
    values: { ferritin: labShort(s.ferritin.latest), tsat: labShort(s.tsat.latest) },
  };
}

/**
 * Iron status against the AASM thresholds, from fresh values only:
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

/** `iron-studies-due`: no ferritin or no TSAT within the freshness window. */
export const ironStudiesDue: Rule = {
  id: 'iron-studies-due',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls) return undefined;
    if (s.ferritin.latest && s.tsat.latest) return undefined;
    return {
      ruleId: 'iron-studies-due',
      indicator: 'info',
      ...ironEvidence(s),
      suggestions: [{ kind: 'order-iron-studies' }],
    };
  },
};

/** `iron-not-optimized`: not ESRD; ferritin <= 75 ng/mL or TSAT < 20 %. */
export const ironNotOptimizedRule: Rule = {
  id: 'iron-not-optimized',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls || s.esrd) return undefined;
    if (ironNotOptimized(s) !== true) return undefined;
    return {
      ruleId: 'iron-not-optimized',
      indicator: 'warning',
      ...ironEvidence(s),
      suggestions: [{ kind: 'order-ferric-carboxymaltose' }],
    };
  },
};

/** `iron-borderline`: not ESRD; ferritin above 75 and up to 100 ng/mL with TSAT >= 20 %. */
export const ironBorderline: Rule = {
  id: 'iron-borderline',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls || s.esrd) return undefined;
    const ferritin = s.ferritin.latest?.value;
    const tsat = s.tsat.latest?.value;
    if (ferritin === undefined || tsat === undefined) return undefined;
    if (ferritin <= FERRITIN_OPTIMIZED_ABOVE_NG_ML || ferritin > FERRITIN_BORDERLINE_UPPER_NG_ML)
      return undefined;
    if (tsat < TSAT_OPTIMIZED_AT_LEAST_PCT) return undefined;
    return {
      ruleId: 'iron-borderline',
      indicator: 'info',
      ...ironEvidence(s),
      suggestions: [{ kind: 'order-ferric-carboxymaltose' }],
    };
  },
};

/** `esrd-iron-not-optimized`: ESRD; ferritin < 200 ng/mL and TSAT < 20 %. */
export const esrdIronNotOptimized: Rule = {
  id: 'esrd-iron-not-optimized',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls || !s.esrd) return undefined;
    const ferritin = s.ferritin.latest?.value;
    const tsat = s.tsat.latest?.value;
    if (ferritin === undefined || tsat === undefined) return undefined;
    if (!(ferritin < ESRD_FERRITIN_BELOW_NG_ML && tsat < ESRD_TSAT_BELOW_PCT)) return undefined;
    const base = ironEvidence(s);
    return {
      ruleId: 'esrd-iron-not-optimized',
      indicator: 'warning',
      ...base,
      evidence: [
        ...base.evidence,
        `ESRD: ${s.esrd.display}${s.esrd.date ? ` (since ${s.esrd.date.slice(0, 10)})` : ''}`,
      ],
      suggestions: [{ kind: 'order-iron-sucrose' }],
    };
  },
};

/** The iron rules, in catalog order. */
export const IRON_RULES: readonly Rule[] = [
  ironStudiesDue,
  ironNotOptimizedRule,
  ironBorderline,
  esrdIronNotOptimized,
];
