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

/** A ferritin or TSAT older than this many months counts as missing. Rule catalog ("lab freshness"). */
export const LAB_FRESHNESS_MONTHS = 12;

/** Iron studies are repeated every 6-12 months on treatment. Guideline summary, monitoring. */
export const IRON_RECHECK_MONTHS = { min: 6, max: 12 } as const;

/** IV ferric carboxymaltose dose range for RLS (mg). AASM 2025, strong recommendation, moderate certainty ([S]). */
export const FERRIC_CARBOXYMALTOSE_DOSE_MG = { min: 750, max: 1000 } as const;

/** Hours without iron-containing supplements before the iron studies are drawn. AASM 2025 good-practice statement [V]. */
export const IRON_SUPPLEMENT_HOLD_HOURS = 24;

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
};
