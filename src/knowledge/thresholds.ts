/**
 * Every clinical threshold the rules use, named once, each with the source it
 * rests on. Rules import these; no rule writes a number of its own.
 *
 * AASM 2025: Winkelman JW et al. Treatment of restless legs syndrome and
 * periodic limb movement disorder: an AASM clinical practice guideline.
 * J Clin Sleep Med 2025;21(1). doi:10.5664/jcsm.11390.
 * IRLSSG 2016: Garcia-Borreguero D et al. Sleep Med 2016;21:1-11.
 * doi:10.1016/j.sleep.2016.01.017.
 */

/** Iron is "not optimized" at or below this ferritin (ng/mL). AASM 2025 good-practice statement. */
export const FERRITIN_OPTIMIZED_ABOVE_NG_ML = 75;

/** Upper edge of the "borderline" band in which IV iron may still help (ng/mL). AASM 2025 ([S]: secondary summaries). */
export const FERRITIN_BORDERLINE_UPPER_NG_ML = 100;

/** Iron is "not optimized" below this transferrin saturation (%). AASM 2025 good-practice statement. */
export const TSAT_OPTIMIZED_AT_LEAST_PCT = 20;

/** ESRD: IV iron sucrose when ferritin is below this (ng/mL) and TSAT below 20 %. AASM 2025 ([S]). */
export const ESRD_FERRITIN_BELOW_NG_ML = 200;

/** ESRD: IV iron sucrose when TSAT is below this (%), together with ferritin < 200 ng/mL. AASM 2025 ([S]). */
export const ESRD_TSAT_BELOW_PCT = 20;

/** A ferritin or TSAT older than this many months counts as missing. Catalog policy (docs/clinical.md). */
export const LAB_FRESHNESS_MONTHS = 12;

/** Iron studies are repeated every 6-12 months on treatment. Clinical guidance, monitoring. */
export const IRON_RECHECK_MONTHS = { min: 6, max: 12 } as const;

/** IV ferric carboxymaltose dose range for RLS (mg). AASM 2025, strong recommendation, moderate certainty ([S]). */
export const FERRIC_CARBOXYMALTOSE_DOSE_MG = { min: 750, max: 1000 } as const;

/**
 * Upper bounds for IV iron: no IV iron draft at or above TSAT 45 % or ferritin
 * 300 ng/mL (IRLSSG 2018 iron task force, Allen RP et al. Sleep Med 2018;41:27-44,
 * doi:10.1016/j.sleep.2017.11.1126: IV iron studied below these values; [S]).
 */
export const IV_IRON_CEILING = { tsatPct: 45, ferritinNgMl: 300 } as const;

/**
 * After an IV iron dose: no iron rule suggests more iron for this many weeks,
 * and iron studies are rechecked from then on ([D] catalog policy, docs/clinical.md).
 */
export const IV_IRON_RECHECK_AFTER_WEEKS = 6;

/** Hours without iron-containing supplements before the iron studies are drawn. AASM 2025 good-practice statement [V]. */
export const IRON_SUPPLEMENT_HOLD_HOURS = 24;

/** A pregnancy Condition counts when its onset (or recorded date) is within this many months. Catalog policy. */
export const PREGNANCY_WITHIN_MONTHS = 10;

/** A therapeutic sleep apnea procedure counts as treatment for this many months. Catalog policy. */
export const SLEEP_APNEA_TREATMENT_WITHIN_MONTHS = 12;

/** With CKD stage 5, a dialysis procedure reaching into this many days makes the patient "on dialysis". Catalog policy. */
export const DIALYSIS_PROCEDURE_WITHIN_DAYS = 90;

// ---------------------------------------------------------------------------
// Medication doses (catalog policy and clinical guidance: docs/clinical.md#sources-and-evidence)
// ---------------------------------------------------------------------------

/**
 * An "adequate" alpha-2-delta trial, in mg/day: gabapentin 1800 (the clinical
 * guidance's 1800-2400 mg/day), pregabalin 300 (the Allen 2014 trial dose [V]),
 * gabapentin enacarbil 600 (the labelled RLS dose [V]). Catalog policy.
 */
export const ADEQUATE_ALPHA2DELTA_MG_PER_DAY: Readonly<Record<string, number>> = {
  gabapentin: 1800,
  pregabalin: 300,
  'gabapentin-enacarbil': 600,
};

/** Gabapentin target range once titrated, mg/day (clinical guidance, augmentation management). */
export const GABAPENTIN_TARGET_MG_PER_DAY = { min: 1800, max: 2400 } as const;

/** Gabapentin start when replacing a dopamine agonist: 300 mg three times a day (clinical guidance). */
export const GABAPENTIN_START_MG = 300;

/**
 * Highest daily dose labelled for RLS in the US, above which a dopamine agonist
 * dose suggests augmentation: pramipexole 0.5 mg, ropinirole 4 mg, rotigotine
 * 3 mg/24 h ([S]: AAFP 2008 and label paraphrases; IRLSSG 2016 says never exceed
 * the RLS dose [V]).
 */
export const RLS_MAX_DAILY_DOSE_MG: Readonly<Record<string, number>> = {
  pramipexole: 0.5,
  ropinirole: 4,
  rotigotine: 3,
};

/**
 * Pramipexole-equivalent mg per mg of each dopamine agonist: levodopa
 * equivalents (Tomlinson 2010: pramipexole x100, ropinirole x20, rotigotine x30
 * [V]) divided by pramipexole's ([D]). PD-derived, not validated in RLS.
 * Levodopa is not converted: it is compared only with itself.
 */
export const PRAMIPEXOLE_EQUIVALENT_PER_MG: Readonly<Record<string, number>> = {
  pramipexole: 1,
  ropinirole: 0.2,
  rotigotine: 0.3,
};

/** Dose increases of a dopamine agonist within this window that point to augmentation. Catalog policy. */
export const AUGMENTATION_DOSE_INCREASES = { count: 2, withinMonths: 12 } as const;

/** Taper: reduce by 0.125-0.25 mg pramipexole-equivalent every 1-2 weeks (IRLSSG 2016). */
export const TAPER_STEP_PRAMIPEXOLE_EQ_MG = { min: 0.125, max: 0.25 } as const;

/** Weeks between taper steps in the computed schedule: the slow end of 1-2 weeks. */
export const TAPER_INTERVAL_WEEKS = 2;

/**
 * The taper step in each drug's own unit, the smallest practical one within
 * (or, for the patch, nearest to) 0.125-0.25 mg pramipexole-equivalent:
 * pramipexole 0.125 mg tablet; ropinirole 1 mg (= 0.2); rotigotine 1 mg/24 h,
 * the smallest patch (= 0.3, said on the card).
 */
export const TAPER_STEP_MG: Readonly<Record<string, number>> = {
  pramipexole: 0.125,
  ropinirole: 1,
  rotigotine: 1,
};

/** ESRD: gabapentin at most this many mg/day (clinical guidance: maximum 200-300 mg daily; [S]). */
export const ESRD_GABAPENTIN_MAX_MG_PER_DAY = 300;

/** ESRD: gabapentin 100 mg after dialysis or at bedtime (clinical guidance). */
export const ESRD_GABAPENTIN_DOSE_MG = 100;

/** Extended-release oxycodone start for refractory RLS, mg at bedtime (clinical guidance; Silber 2018). */
export const OXYCODONE_ER_START_MG = { min: 5, max: 10 } as const;

/** Methadone for refractory RLS, mg daily (clinical guidance; Silber 2018). */
export const METHADONE_MG_PER_DAY = { min: 5, max: 10 } as const;

/**
 * Opioid-naive: no opioid active and none ordered or reported within this many
 * days. Catalog policy (`opioid-dose-above-start`).
 */
export const OPIOID_NAIVE_WITHIN_DAYS = 90;

/**
 * Reassess with the IRLS this many weeks after a therapy starts: the clinical
 * guidance's 4-6 weeks. The catalog's table says 4-12 weeks; where the two
 * disagree the guidance (the clinical source of truth) is followed.
 */
export const REASSESS_IRLS_WEEKS = { min: 4, max: 6 } as const;

/**
 * IRLS total at or below which symptoms count as controlled (mild or none):
 * IRLS severity bands 0 none, 1-10 mild, 11-20 moderate ([S]).
 */
export const IRLS_CONTROLLED_AT_MOST = 10;

/** Only an IRLS score from the last this many months judges current control. Catalog policy. */
export const IRLS_RECENT_MONTHS = 6;

/** Yearly augmentation risk on dopamine agonists, % (AASM 2025 summary; Silver 2011 ~7 %/yr [V]). */
export const DOPAMINE_AGONIST_AUGMENTATION_PCT_PER_YEAR = { min: 7, max: 10 } as const;

// ---------------------------------------------------------------------------
// Current therapy: completed orders still taken, at every hook (catalog policy;
// docs/clinical.md, "What the snapshot knows" and "Order time")
// ---------------------------------------------------------------------------

/**
 * A dopaminergic, alpha-2-delta or opioid order marked completed still counts
 * as current therapy this many days after it was authored (a dispensed
 * prescription is often marked completed while the patient still takes it).
 */
export const COMPLETED_ORDER_CURRENT_DAYS = 90;

/** When a completed order states its supply, it counts until the supply ends plus this many days. */
export const SUPPLY_GRACE_DAYS = 7;

/**
 * The thresholds as card templates may quote them (`{{ferritinTarget}}` ...),
 * so that card text never restates a number of its own.
 */
export const THRESHOLD_PLACEHOLDERS: Readonly<Record<string, string>> = {
  ferritinTarget: String(FERRITIN_OPTIMIZED_ABOVE_NG_ML),
  ferritinBorderlineUpper: String(FERRITIN_BORDERLINE_UPPER_NG_ML),
  tsatTarget: String(TSAT_OPTIMIZED_AT_LEAST_PCT),
  esrdFerritinBelow: String(ESRD_FERRITIN_BELOW_NG_ML),
  esrdTsatBelow: String(ESRD_TSAT_BELOW_PCT),
  labFreshnessMonths: String(LAB_FRESHNESS_MONTHS),
  ironRecheckMin: String(IRON_RECHECK_MONTHS.min),
  ironRecheckMax: String(IRON_RECHECK_MONTHS.max),
  fcmDoseMin: String(FERRIC_CARBOXYMALTOSE_DOSE_MG.min),
  fcmDoseMax: String(FERRIC_CARBOXYMALTOSE_DOSE_MG.max),
  ironHoldHours: String(IRON_SUPPLEMENT_HOLD_HOURS),
  ivIronCeilingTsat: String(IV_IRON_CEILING.tsatPct),
  ivIronCeilingFerritin: String(IV_IRON_CEILING.ferritinNgMl),
  ivIronRecheckWeeks: String(IV_IRON_RECHECK_AFTER_WEEKS),
  gabapentinAdequate: String(ADEQUATE_ALPHA2DELTA_MG_PER_DAY.gabapentin),
  pregabalinAdequate: String(ADEQUATE_ALPHA2DELTA_MG_PER_DAY.pregabalin),
  enacarbilAdequate: String(ADEQUATE_ALPHA2DELTA_MG_PER_DAY['gabapentin-enacarbil']),
  gabapentinTargetMin: String(GABAPENTIN_TARGET_MG_PER_DAY.min),
  gabapentinTargetMax: String(GABAPENTIN_TARGET_MG_PER_DAY.max),
  gabapentinStart: String(GABAPENTIN_START_MG),
  pramipexoleMax: String(RLS_MAX_DAILY_DOSE_MG.pramipexole),
  ropiniroleMax: String(RLS_MAX_DAILY_DOSE_MG.ropinirole),
  rotigotineMax: String(RLS_MAX_DAILY_DOSE_MG.rotigotine),
  ropiniroleFactor: String(PRAMIPEXOLE_EQUIVALENT_PER_MG.ropinirole),
  rotigotineFactor: String(PRAMIPEXOLE_EQUIVALENT_PER_MG.rotigotine),
  taperStepMin: String(TAPER_STEP_PRAMIPEXOLE_EQ_MG.min),
  taperStepMax: String(TAPER_STEP_PRAMIPEXOLE_EQ_MG.max),
  esrdGabapentinMax: String(ESRD_GABAPENTIN_MAX_MG_PER_DAY),
  esrdGabapentinDose: String(ESRD_GABAPENTIN_DOSE_MG),
  oxycodoneStartMin: String(OXYCODONE_ER_START_MG.min),
  oxycodoneStartMax: String(OXYCODONE_ER_START_MG.max),
  methadoneMin: String(METHADONE_MG_PER_DAY.min),
  methadoneMax: String(METHADONE_MG_PER_DAY.max),
  reassessMinWeeks: String(REASSESS_IRLS_WEEKS.min),
  irlsControlledAtMost: String(IRLS_CONTROLLED_AT_MOST),
  irlsRecentMonths: String(IRLS_RECENT_MONTHS),
  reassessMaxWeeks: String(REASSESS_IRLS_WEEKS.max),
  augmentationRiskMin: String(DOPAMINE_AGONIST_AUGMENTATION_PCT_PER_YEAR.min),
  augmentationRiskMax: String(DOPAMINE_AGONIST_AUGMENTATION_PCT_PER_YEAR.max),
  completedOrderCurrentDays: String(COMPLETED_ORDER_CURRENT_DAYS),
  supplyGraceDays: String(SUPPLY_GRACE_DAYS),
  opioidNaiveDays: String(OPIOID_NAIVE_WITHIN_DAYS),
};

/**
 * IRLS total from which RLS is severe (bands 21-30 severe, 31-40 very severe; [S]).
 * In severe augmentation the clinical guidance goes straight to an opioid.
 */
export const IRLS_SEVERE_AT_LEAST = 21;

/**
 * Ferritin pmol/L per ng/mL: 2.247 ([V] conventional-to-SI factor, PMC3934467
 * Table 1: "Ft 30-300 ng/mL x 2.247 = 65-670 pmol/L"). pmol/L results are divided by it.
 */
export const FERRITIN_PMOL_L_PER_NG_ML = 2.247;
