/**
 * End-stage renal disease (AASM 2025 ESRD recommendations): avoid pregabalin;
 * gabapentin 100 mg after dialysis or at bedtime, at most 200-300 mg/day.
 */
import type { MedicationFact } from '../clinical/medications.js';
import { ESRD_GABAPENTIN_MAX_MG_PER_DAY } from '../knowledge/thresholds.js';
import { displayDate } from '../clinical/time.js';
import { doseReading } from './describe.js';
import { inFocus, isIngredient, therapyLine } from './focus.js';
import type { Rule, RuleAbout, SuggestionIntent } from './types.js';

/**
 * An ESRD rule on one drug: fires on the drafts (order time) or active orders
 * (patient-view) that `pick` selects; at order time it offers to replace each
 * draft with the ESRD gabapentin dose.
 */
function esrdDrugRule(
  id: string,
  pick: (m: MedicationFact) => boolean,
  showDose: boolean,
  about: RuleAbout,
  variantOf?: (found: readonly MedicationFact[]) => string | undefined,
): Rule {
  return {
    id,
    hooks: ['patient-view', 'order-select', 'order-sign'],
    about,
    evaluate(s, hook) {
      if (!s.rls || !s.esrd) return undefined;
      const found = inFocus(s, hook, pick);
      if (found.length === 0) return undefined;
      const since = s.esrd.date ? ` (since ${displayDate(s.esrd.date)})` : '';
      const variant = variantOf?.(found);
      const dialysis = s.dialysis
        ? [`dialysis: ${s.dialysis.display}${s.dialysis.date ? ` (${displayDate(s.dialysis.date)})` : ''}`]
        : [];
      return {
        ruleId: id,
        indicator: 'warning',
        values: {},
        evidence: [`ESRD: ${s.esrd.display}${since}`, ...dialysis, ...found.map((m) => therapyLine(s, m))],
        computed: showDose ? found.filter((m) => m.dose.known).map(doseReading) : [],
        missing: showDose ? found.filter((m) => !m.dose.known).map(doseReading) : [],
        suggestions:
          hook === 'patient-view'
            ? []
            : found.map((m): SuggestionIntent => ({
                kind: 'gabapentin-instead',
                esrd: true,
                reference: m.reference,
                display: m.display,
              })),
        ...(variant ? { variant } : {}),
      };
    },
  };
}

/** `esrd-avoid-pregabalin`: ESRD and pregabalin (draft at order time, active at patient-view). */
export const esrdAvoidPregabalin = esrdDrugRule('esrd-avoid-pregabalin', isIngredient('pregabalin'), false, {
  firesWhen:
    'ESRD (or CKD 5 on dialysis) and pregabalin drafted (or current: active, or a completed order still current)',
  indicator: 'warning',
  suggests: 'replace with gabapentin 100 mg',
  basis: 'AASM 2025 ESRD',
});

/**
 * `esrd-gabapentin-dose`: ESRD and gabapentin above 300 mg/day, the dose read
 * from the structured dose or the product strength and sig text; a dose that
 * cannot be read fires too, saying so (never silent).
 */
export const esrdGabapentinDose = esrdDrugRule(
  'esrd-gabapentin-dose',
  (m) => isIngredient('gabapentin')(m) && (!m.dose.known || m.dose.mgPerDay > ESRD_GABAPENTIN_MAX_MG_PER_DAY),
  true,
  {
    firesWhen:
      'ESRD and gabapentin > 300 mg/day, the dose read from the sig when not structured; a dose that cannot be read fires too',
    indicator: 'warning',
    suggests: 'replace with gabapentin 100 mg',
    basis: 'AASM 2025 ESRD: conditional for, very low',
  },
  (found) => (found.every((m) => !m.dose.known) ? 'dose-unknown' : undefined),
);

/**
 * `esrd-avoid-gabapentin-enacarbil`: ESRD and gabapentin enacarbil (draft or
 * active): not recommended on hemodialysis or with CrCl < 30 mL/min (label).
 */
export const esrdAvoidGabapentinEnacarbil = esrdDrugRule(
  'esrd-avoid-gabapentin-enacarbil',
  isIngredient('gabapentin-enacarbil'),
  false,
  {
    firesWhen:
      'ESRD (or CKD 5 on dialysis) and gabapentin enacarbil drafted (or current), by code or name (Horizant)',
    indicator: 'warning',
    suggests: 'replace with gabapentin 100 mg',
    basis: 'gabapentin enacarbil label; AASM 2025 ESRD',
  },
);

/** The ESRD rules, in catalog order. */
export const ESRD_RULES: readonly Rule[] = [
  esrdAvoidPregabalin,
  esrdGabapentinDose,
  esrdAvoidGabapentinEnacarbil,
];
