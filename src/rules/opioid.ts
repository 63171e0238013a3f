/**
 * Opioid safety for refractory RLS (AASM 2025; Silber 2018 consensus; the
 * oxycodone-naloxone trial): screen for misuse risk, treat sleep apnea first,
 * prevent constipation, watch breathing in the first weeks; optimize iron first.
 */
import type { MedicationFact } from '../clinical/medications.js';
import { displayDate } from '../clinical/time.js';
import { describeLab, labShort, medication } from './describe.js';
import { activePlusDrafts, inFocus, kind, ofClass, selectedDrafts } from './focus.js';
import { ironNotOptimized } from './iron.js';
import type { Finding, Rule, SuggestionIntent } from './types.js';

const OPIOID = ofClass('opioid');
const LAXATIVE = ofClass('laxative');
const SEDATIVE_PARTNER = ofClass('alpha2delta', 'benzodiazepine');

/** `opioid-safety-checks`: the checks before and during opioid therapy; warning when one fails. */
export const opioidSafetyChecks: Rule = {
  id: 'opioid-safety-checks',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  evaluate(s, hook): Finding | undefined {
    if (!s.rls) return undefined;
    const opioids = inFocus(s, hook, OPIOID);
    if (opioids.length === 0) return undefined;
    const met: string[] = [];
    const notMet: string[] = [];
    const suggestions: SuggestionIntent[] = [];

    if (s.opioidRiskScreen) {
      met.push(
        `opioid-misuse risk screen documented: ${s.opioidRiskScreen.display}${s.opioidRiskScreen.date ? ` (${displayDate(s.opioidRiskScreen.date)})` : ''}`,
      );
    } else {
      notMet.push('no opioid-misuse risk screen documented');
    }
    if (s.opioidUseDisorder)
      notMet.push(`opioid use disorder on the problem list: ${s.opioidUseDisorder.display}`);
    if (!s.osa) met.push('no obstructive sleep apnea on the problem list');
    else if (s.osaTreatment) met.push(`sleep apnea treated: ${s.osaTreatment.display}`);
    else notMet.push(`obstructive sleep apnea without treatment on record (${s.osa.display})`);
    const laxatives = activePlusDrafts(s, hook).filter(LAXATIVE);
    if (laxatives.length > 0)
      met.push(`constipation prophylaxis: ${laxatives.map((m) => m.display).join(', ')}`);
    else {
      notMet.push('no stool softener or laxative ordered');
      suggestions.push({ kind: 'order-laxative' });
    }
    return {
      ruleId: 'opioid-safety-checks',
      indicator: notMet.length > 0 ? 'warning' : 'info',
      values: { drug: opioids[0]?.ingredient.display ?? 'the opioid', failed: String(notMet.length) },
      evidence: [
        ...opioids.map((m: MedicationFact) => `${kind(m)}: ${medication(m)}`),
        ...notMet.map((x) => `not met: ${x}`),
        ...met.map((x) => `met: ${x}`),
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /procedure|device|condition/i.test(u)),
      suggestions,
      ...(notMet.length === 0 ? { variant: 'all-met' } : {}),
    };
  },
};

/** `sedative-combination-untreated-osa`: opioid plus alpha-2-delta or benzodiazepine with untreated sleep apnea. */
export const sedativeCombinationUntreatedOsa: Rule = {
  id: 'sedative-combination-untreated-osa',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  evaluate(s, hook) {
    if (!s.rls || !s.osa || s.osaTreatment) return undefined;
    const meds = activePlusDrafts(s, hook);
    const opioids = meds.filter(OPIOID);
    const partners = meds.filter(SEDATIVE_PARTNER);
    if (opioids.length === 0 || partners.length === 0) return undefined;
    return {
      ruleId: 'sedative-combination-untreated-osa',
      indicator: 'warning',
      values: {},
      evidence: [
        `obstructive sleep apnea: ${s.osa.display}, no CPAP or other treatment on record`,
        ...[...opioids, ...partners].map((m) => `${kind(m)}: ${medication(m)}`),
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /procedure|device/i.test(u)),
      suggestions: [],
    };
  },
};

/** `opioid-before-iron`: a draft opioid while iron is not optimized or not known. */
export const opioidBeforeIron: Rule = {
  id: 'opioid-before-iron',
  hooks: ['order-select', 'order-sign'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = selectedDrafts(s, OPIOID);
    if (drafts.length === 0) return undefined;
    const status = ironNotOptimized(s);
    if (status === false) return undefined;
    const f = describeLab('ferritin', s.ferritin);
    const t = describeLab('TSAT', s.tsat);
    const suggestions: SuggestionIntent[] =
      status === undefined
        ? [{ kind: 'order-iron-studies' }]
        : [{ kind: s.esrd ? 'order-iron-sucrose' : 'order-ferric-carboxymaltose' }];
    return {
      ruleId: 'opioid-before-iron',
      indicator: 'warning',
      values: {
        drug: drafts[0]?.ingredient.display ?? 'the opioid',
        ferritin: labShort(s.ferritin.latest),
        tsat: labShort(s.tsat.latest),
      },
      evidence: [...drafts.map((d) => `draft order: ${medication(d)}`), ...f.evidence, ...t.evidence],
      computed: [...f.computed, ...t.computed],
      missing: [...f.missing, ...t.missing, ...s.unavailable.filter((u) => /iron/i.test(u))],
      suggestions,
      ...(status === undefined ? { variant: 'iron-unknown' } : {}),
    };
  },
};

/** The opioid-safety rules, in catalog order. */
export const OPIOID_RULES: readonly Rule[] = [
  opioidSafetyChecks,
  sedativeCombinationUntreatedOsa,
  opioidBeforeIron,
];
