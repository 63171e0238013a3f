/**
 * A dopamine-agonist taper computed from today's dose: down one step every
 * interval until zero (IRLSSG 2016: 0.125-0.25 mg pramipexole-equivalent every
 * 1-2 weeks, once an alpha-2-delta ligand or an opioid controls symptoms).
 */
import {
  PRAMIPEXOLE_EQUIVALENT_PER_MG,
  TAPER_INTERVAL_WEEKS,
  TAPER_STEP_MG,
} from '../knowledge/thresholds.js';

/** One step of the schedule: the daily dose from week `fromWeek` to week `toWeek` (inclusive). */
export interface TaperStep {
  readonly fromWeek: number;
  readonly toWeek: number;
  readonly mgPerDay: number;
  readonly pramipexoleEq: number;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The schedule from `mgPerDay` of the given agonist down to zero; empty for a
 * drug without a taper step or a non-positive dose. The first step is the
 * current dose (weeks before the first reduction), the last is zero.
 */
export function taperSchedule(ingredientId: string, mgPerDay: number): TaperStep[] {
  const step = TAPER_STEP_MG[ingredientId];
  const factor = PRAMIPEXOLE_EQUIVALENT_PER_MG[ingredientId];
  if (step === undefined || factor === undefined || !(mgPerDay > 0)) return [];
  const steps: TaperStep[] = [];
  let dose = round(mgPerDay);
  let week = 1;
  // Bounded: a dose far above any RLS dose still ends in a finite table.
  for (let i = 0; i < 200; i++) {
    const last = dose === 0;
    steps.push({
      fromWeek: week,
      toWeek: last ? week : week + TAPER_INTERVAL_WEEKS - 1,
      mgPerDay: dose,
      pramipexoleEq: round(dose * factor),
    });
    if (last) break;
    week += TAPER_INTERVAL_WEEKS;
    dose = round(Math.max(0, dose - step));
  }
  return steps;
}
