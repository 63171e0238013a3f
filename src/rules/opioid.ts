/**
 * Opioid safety for refractory RLS (AASM 2025; Silber 2018 consensus; the
 * oxycodone-naloxone trial): screen for misuse risk, treat sleep apnea first,
 * prevent constipation, watch breathing in the first weeks; optimize iron
 * first; start low. An opioid ordered to treat opioid use disorder is OUD
 * care, not RLS escalation, and is judged as such.
 */
import { matchConcept } from '../clinical/conditions.js';
import type { MedicationFact } from '../clinical/medications.js';
import type { PatientSnapshot } from '../clinical/snapshot.js';
import { OPIOID_USE_DISORDER } from '../knowledge/terminology.js';
import {
  ESRD_FERRITIN_BELOW_NG_ML,
  ESRD_TSAT_BELOW_PCT,
  METHADONE_MG_PER_DAY,
  OPIOID_NAIVE_WITHIN_DAYS,
  OXYCODONE_ER_START_MG,
} from '../knowledge/thresholds.js';
import { orderRegimen } from '../clinical/regimen.js';
import { displayDate } from '../clinical/time.js';
import { describeLab, labShort, medication, num } from './describe.js';
import { activePlusDrafts, inFocus, ofClass, selectedDrafts, therapyLine } from './focus.js';
import { gateLines, gateNames, opioidGates } from './gates.js';
import { ironNotOptimized, ivIronCeilingReasons, ivIronTooRecent } from './iron.js';
import type { Finding, Rule, SuggestionIntent } from './types.js';
import type { Indicator } from '../protocol/types.js';

const OPIOID = ofClass('opioid');
const LAXATIVE = ofClass('laxative');
const ALPHA2DELTA = ofClass('alpha2delta');
const BENZODIAZEPINE = ofClass('benzodiazepine');
const OUD_AGONISTS = new Set(['buprenorphine', 'methadone']);

/**
 * True when the opioid treats opioid use disorder: buprenorphine or methadone
 * ordered with an OUD reasonCode, or for a patient whose OUD is on agonist
 * therapy (coded or written so), or one that a patient with OUD already takes
 * (an active order or statement, or a draft renewing one). A new draft for a
 * patient with OUD and no OUD indication is judged as an opioid for RLS.
 */
export function isOudTreatment(s: PatientSnapshot, m: MedicationFact): boolean {
  if (!OUD_AGONISTS.has(m.ingredient.id)) return false;
  if (m.reasons.some((r) => !!matchConcept(r, OPIOID_USE_DISORDER))) return true;
  if (!s.opioidUseDisorder) return false;
  if (s.opioidUseDisorder.onAgonistTherapy) return true;
  if (!('selected' in m)) return true;
  return s.activeMedications.some((a) => a.ingredient.id === m.ingredient.id);
}

/** Opioids ordered or taken for RLS (not OUD treatment). */
function forRls(s: PatientSnapshot, opioids: readonly MedicationFact[]): MedicationFact[] {
  return opioids.filter((m) => !isOudTreatment(s, m));
}

/**
 * `opioid-safety-checks`: the checks before and during opioid therapy for RLS.
 * Names only the checks that failed; critical with opioid use disorder (active
 * or remitted); info for an opioid that treats OUD.
 */
export const opioidSafetyChecks: Rule = {
  id: 'opioid-safety-checks',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  about: {
    firesWhen:
      'an opioid drafted (or current at patient-view: active, or a completed order still current) for RLS; checks: risk screen documented, no opioid use disorder (active or remitted), sleep apnea (any type) absent or treated, not pregnant ("involve obstetrics"), a laxative; respiratory monitoring is advice, not a check',
    indicator:
      '**critical** with opioid use disorder; warning if a check fails, else info; the summary names only the failed checks. Buprenorphine/methadone for OUD (OUD reasonCode, OUD on agonist therapy, or a renewal of the agonist the patient with OUD takes): info at order time, nothing at patient-view',
    suggests: 'stool softener/laxative order when missing',
    basis: 'AASM 2025; Silber 2018',
  },
  evaluate(s, hook): Finding | undefined {
    if (!s.rls) return undefined;
    const opioids = inFocus(s, hook, OPIOID);
    if (opioids.length === 0) return undefined;
    const rlsOpioids = forRls(s, opioids);
    if (rlsOpioids.length === 0) {
      // OUD care: not RLS escalation. At order time an info card says so; at patient-view nothing.
      if (hook === 'patient-view') return undefined;
      return {
        ruleId: 'opioid-safety-checks',
        indicator: 'info',
        values: { drug: opioids[0]?.ingredient.display ?? 'the opioid' },
        evidence: [
          ...opioids.map((m) => therapyLine(s, m)),
          s.opioidUseDisorder
            ? `opioid use disorder: ${s.opioidUseDisorder.display}${s.opioidUseDisorder.onAgonistTherapy ? ' (on agonist therapy)' : ''}`
            : 'ordered with an opioid use disorder indication',
        ],
        computed: [],
        missing: [],
        suggestions: [],
        variant: 'oud-treatment',
      };
    }
    const met: string[] = [];
    const failed: { short: string; line: string }[] = [];
    const suggestions: SuggestionIntent[] = [];

    if (s.opioidUseDisorder) {
      const oud = s.opioidUseDisorder;
      failed.push({
        short: 'opioid use disorder on the problem list',
        line: `opioid use disorder ${oud.inRemission ? '(in remission) ' : ''}on the problem list: ${oud.display}${oud.date ? ` (${displayDate(oud.date)})` : ''}`,
      });
    } else {
      met.push('no opioid use disorder on the problem list');
    }
    if (s.opioidRiskScreen) {
      met.push(
        `opioid-misuse risk screen documented: ${s.opioidRiskScreen.display}${s.opioidRiskScreen.date ? ` (${displayDate(s.opioidRiskScreen.date)})` : ''}`,
      );
    } else {
      failed.push({ short: 'no risk screen', line: 'no opioid-misuse risk screen documented' });
    }
    if (!s.osa) met.push('no sleep apnea on the problem list');
    else if (s.osaTreatment)
      met.push(
        `sleep apnea treated: ${s.osaTreatment.display}${s.osaTreatment.date ? ` (${displayDate(s.osaTreatment.date)})` : ''}`,
      );
    else
      failed.push({
        short: 'untreated sleep apnea',
        line: `sleep apnea without treatment on record (${s.osa.display})`,
      });
    if (s.pregnancy) {
      failed.push({
        short: 'pregnancy (involve obstetrics)',
        line: `pregnancy: ${s.pregnancy.display}${s.pregnancy.date ? ` (${displayDate(s.pregnancy.date)})` : ''}; involve obstetrics before an opioid`,
      });
    }
    const laxatives = activePlusDrafts(s, hook).filter(LAXATIVE);
    if (laxatives.length > 0)
      met.push(`constipation prophylaxis: ${laxatives.map((m) => m.display).join(', ')}`);
    else {
      failed.push({ short: 'no bowel regimen', line: 'no stool softener or laxative ordered' });
      suggestions.push({ kind: 'order-laxative' });
    }
    const indicator: Indicator = s.opioidUseDisorder ? 'critical' : failed.length > 0 ? 'warning' : 'info';
    const oudCare = opioids.filter((m) => !rlsOpioids.includes(m));
    return {
      ruleId: 'opioid-safety-checks',
      indicator,
      values: {
        drug: rlsOpioids[0]?.ingredient.display ?? 'the opioid',
        failed: failed.map((f) => f.short).join(', '),
      },
      evidence: [
        ...rlsOpioids.map((m: MedicationFact) => therapyLine(s, m)),
        ...oudCare.map((m) => `${therapyLine(s, m)} (treats opioid use disorder, not judged here)`),
        ...failed.map((f) => `not met: ${f.line}`),
        ...met.map((x) => `met: ${x}`),
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /procedure|device|condition/i.test(u)),
      suggestions,
      ...(failed.length === 0 ? { variant: 'all-met' } : s.opioidUseDisorder ? { variant: 'oud' } : {}),
    };
  },
};

/**
 * `sedative-combination-untreated-osa`: opioid plus alpha-2-delta ligand or
 * benzodiazepine with untreated sleep apnea of any type; critical when all three
 * sedative classes are present.
 */
export const sedativeCombinationUntreatedOsa: Rule = {
  id: 'sedative-combination-untreated-osa',
  hooks: ['patient-view', 'order-select', 'order-sign'],
  about: {
    firesWhen:
      'sleep apnea of any type without treatment, and an opioid together with an alpha-2-delta ligand or a benzodiazepine',
    indicator: 'warning; **critical** when opioid, alpha-2-delta ligand and benzodiazepine are all present',
    suggests: 'none (treat the apnea first)',
    basis: 'AASM 2025',
  },
  evaluate(s, hook) {
    if (!s.rls || !s.osa || s.osaTreatment) return undefined;
    const meds = activePlusDrafts(s, hook);
    const opioids = meds.filter(OPIOID);
    const alpha2delta = meds.filter(ALPHA2DELTA);
    const benzodiazepines = meds.filter(BENZODIAZEPINE);
    if (opioids.length === 0 || alpha2delta.length + benzodiazepines.length === 0) return undefined;
    const allThree = alpha2delta.length > 0 && benzodiazepines.length > 0;
    return {
      ruleId: 'sedative-combination-untreated-osa',
      indicator: allThree ? 'critical' : 'warning',
      values: {},
      evidence: [
        `sleep apnea: ${s.osa.display}, no PAP, oral appliance or other treatment on record`,
        ...[...opioids, ...alpha2delta, ...benzodiazepines].map((m) => therapyLine(s, m)),
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /procedure|device/i.test(u)),
      suggestions: [],
      ...(allThree ? { variant: 'three-sedatives' } : {}),
    };
  },
};

/**
 * Iron status for the opioid rules: the ESRD thresholds (ferritin < 200 ng/mL
 * and TSAT < 20 %) for an ESRD patient, the general ones otherwise.
 * `true` not optimized, `false` optimized, `undefined` cannot be told.
 */
export function ironNotOptimizedFor(s: PatientSnapshot): boolean | undefined {
  if (!s.esrd) return ironNotOptimized(s);
  const ferritin = s.ferritin.latest?.value;
  const tsat = s.tsat.latest?.value;
  if (ferritin !== undefined && ferritin >= ESRD_FERRITIN_BELOW_NG_ML) return false;
  if (tsat !== undefined && tsat >= ESRD_TSAT_BELOW_PCT) return false;
  if (ferritin === undefined || tsat === undefined) return undefined;
  return true;
}

/** `opioid-before-iron`: a draft opioid for RLS while iron is not optimized or not known. */
export const opioidBeforeIron: Rule = {
  id: 'opioid-before-iron',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'a draft opioid for RLS (not OUD treatment) while iron is not optimized or unknown; **ESRD thresholds** (ferritin < 200 and TSAT < 20 %) for an ESRD patient',
    indicator: 'warning',
    suggests:
      'IV iron (iron sucrose in ESRD), or iron studies when unknown or at the IV iron upper bounds; nothing within 6 weeks of an IV iron dose',
    basis: 'AASM 2025',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = forRls(s, selectedDrafts(s, OPIOID));
    if (drafts.length === 0) return undefined;
    const status = ironNotOptimizedFor(s);
    if (status === false) return undefined;
    const f = describeLab('ferritin', s.ferritin);
    const t = describeLab('TSAT', s.tsat);
    // Within 6 weeks of an IV iron dose no more iron is suggested; at the IV iron upper bounds, the panel instead.
    const recentDose = ivIronTooRecent(s);
    const ceiling = ivIronCeilingReasons(s);
    const suggestions: SuggestionIntent[] = recentDose
      ? []
      : status === undefined || ceiling.length > 0
        ? [{ kind: 'order-iron-studies' }]
        : [{ kind: s.esrd ? 'order-iron-sucrose' : 'order-ferric-carboxymaltose' }];
    const predates = !!(s.ferritin.beforeIvIron ?? s.tsat.beforeIvIron);
    const variant =
      status === undefined ? (predates ? 'after-iv-iron' : 'iron-unknown') : s.esrd ? 'esrd' : undefined;
    return {
      ruleId: 'opioid-before-iron',
      indicator: 'warning',
      values: {
        drug: drafts[0]?.ingredient.display ?? 'the opioid',
        ferritin: labShort(s.ferritin.latest),
        tsat: labShort(s.tsat.latest),
        ivIronDate: s.latestIvIron ? displayDate(s.latestIvIron.date) : 'unknown',
      },
      evidence: [
        ...drafts.map((d) => `draft order: ${medication(d)}`),
        ...f.evidence,
        ...t.evidence,
        ...(s.esrd ? [`ESRD: ${s.esrd.display} (ESRD iron thresholds apply)`] : []),
        ...(s.latestIvIron
          ? [
              `latest IV iron: ${s.latestIvIron.display} on ${displayDate(s.latestIvIron.date)}${recentDose ? ': under 6 weeks ago, so no more iron is suggested until it is rechecked' : ''}`,
            ]
          : []),
        ...ceiling.map((c) => `upper bound for IV iron: ${c}; rule out overload or inflammation first`),
      ],
      computed: [...f.computed, ...t.computed],
      missing: [...f.missing, ...t.missing, ...s.unavailable.filter((u) => /iron/i.test(u))],
      suggestions,
      ...(variant ? { variant } : {}),
    };
  },
};

/** The starting daily dose above which a draft for an opioid-naive patient is flagged, by ingredient (mg/day). */
const START_MAX_MG_PER_DAY: Readonly<Record<string, number>> = {
  oxycodone: OXYCODONE_ER_START_MG.max,
  methadone: METHADONE_MG_PER_DAY.max,
};

/**
 * True when the patient is opioid-naive: no opioid in the order-time baseline
 * (active orders and statements, completed orders still current) and none
 * ordered or reported with a start in the last 90 days. `lines` name what made
 * the patient not naive.
 */
export function isOpioidNaive(s: PatientSnapshot): { naive: boolean; lines: string[] } {
  const since = s.now.getTime() - OPIOID_NAIVE_WITHIN_DAYS * 86_400_000;
  const regimen = orderRegimen(s);
  const inBaseline = regimen.baseline.filter(OPIOID);
  const recent = s.medicationHistory.filter(
    (m) => OPIOID(m) && !inBaseline.includes(m) && (m.startTime ?? 0) >= since,
  );
  const why = (m: MedicationFact): string =>
    regimen.completed.find((c) => c.fact === m)?.why ??
    `${m.status}${m.start ? ` from ${displayDate(m.start)}` : ''}`;
  return {
    naive: inBaseline.length + recent.length === 0,
    lines: [...inBaseline, ...recent].map((m) => `${medication(m)} (${why(m)})`),
  };
}

/**
 * `opioid-dose-above-start`: a draft oxycodone (any form) or methadone for an
 * opioid-naive RLS patient above the guideline's starting dose (10 mg/day), or
 * with a dose that could not be read. Suggests the starting dose instead, unless
 * an opioid gate applies.
 */
export const opioidDoseAboveStart: Rule = {
  id: 'opioid-dose-above-start',
  hooks: ['order-select', 'order-sign'],
  about: {
    firesWhen:
      'a draft oxycodone (ER, IR or oxycodone-naloxone, by oxycodone mg/day) or methadone for RLS above 10 mg/day (or with a dose that cannot be read) for an opioid-naive patient: no opioid active and none ordered or reported in the last {{opioidNaiveDays}} days',
    indicator: 'warning',
    suggests:
      'replace the draft with the starting dose (ER oxycodone 10 mg at bedtime, methadone 5 mg daily); not offered when an opioid gate applies',
    basis: 'AASM 2025; Silber 2018',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const drafts = forRls(
      s,
      selectedDrafts(s, (m) => START_MAX_MG_PER_DAY[m.ingredient.id] !== undefined),
    );
    if (drafts.length === 0) return undefined;
    const { naive } = isOpioidNaive(s);
    if (!naive) return undefined;
    const above = drafts.filter(
      (d) => !d.dose.known || d.dose.mgPerDay > (START_MAX_MG_PER_DAY[d.ingredient.id] ?? 0),
    );
    if (above.length === 0) return undefined;
    const unknown = above.filter((d) => !d.dose.known);
    const gates = opioidGates(s);
    const first = above[0];
    const suggestions: SuggestionIntent[] =
      gates.length > 0
        ? []
        : above.map((d) => ({
            kind: 'opioid-start-dose-instead',
            drug: d.ingredient.id === 'methadone' ? 'methadone' : 'oxycodone',
            reference: d.reference,
            display: d.display,
          }));
    return {
      ruleId: 'opioid-dose-above-start',
      indicator: 'warning',
      values: {
        drug: first?.ingredient.display ?? 'the opioid',
        dose: first?.dose.known ? `${num(first.dose.mgPerDay)} mg/day` : 'a dose that could not be read',
        start: `${num(START_MAX_MG_PER_DAY[first?.ingredient.id ?? ''] ?? OXYCODONE_ER_START_MG.max)} mg/day`,
        gates: gateNames(gates),
      },
      evidence: [
        ...above.map((d) => `draft order: ${medication(d)}`),
        `opioid-naive: no opioid active and none ordered or reported in the last ${OPIOID_NAIVE_WITHIN_DAYS} days`,
        ...gateLines(gates),
      ],
      computed: above
        .filter((d) => d.dose.known)
        .map((d) => `${d.display}: ${d.dose.known ? d.dose.how : ''}`),
      missing: unknown.map(
        (d) =>
          `${d.display}: the daily dose could not be read (${d.dose.known ? '' : d.dose.reason}); check it by hand`,
      ),
      suggestions,
      ...(gates.length > 0
        ? { variant: 'gated' }
        : unknown.length === above.length
          ? { variant: 'dose-unknown' }
          : {}),
    };
  },
};

/** The opioid-safety rules, in catalog order. */
export const OPIOID_RULES: readonly Rule[] = [
  opioidSafetyChecks,
  sedativeCombinationUntreatedOsa,
  opioidBeforeIron,
  opioidDoseAboveStart,
];
