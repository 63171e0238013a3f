/**
 * Laboratory observations to facts: the latest usable ferritin (ng/mL) and
 * transferrin saturation (%), with dates, units, what was converted or
 * computed, and what was ignored and why.
 */
import type { Observation, Quantity } from 'fhir/r4.js';
import {
  FERRITIN,
  SERUM_IRON,
  TIBC,
  TSAT,
  type CompiledValueSet,
  inValueSet,
} from '../knowledge/terminology.js';
import { FERRITIN_PMOL_L_PER_NG_ML, LAB_FRESHNESS_MONTHS } from '../knowledge/thresholds.js';
import { observationTime, isUsableStatus, monthsBefore } from './time.js';

/** A lab value the rules can compare, normalised to the unit the thresholds use. */
export interface LabValue {
  readonly value: number;
  readonly unit: 'ng/mL' | '%';
  /** The effective time as recorded (ISO 8601). */
  readonly effective: string;
  /** Epoch milliseconds of `effective`, for ordering. */
  readonly time: number;
  /** The value and unit as the laboratory reported them, when they differ from the normalised form. */
  readonly reportedAs?: string;
  /** Present when TSAT was computed from serum iron and TIBC drawn the same day. */
  readonly computedFrom?: { readonly iron: string; readonly tibc: string; readonly minutesApart?: number };
}

/** What the snapshot knows about one analyte. */
export interface LabFinding {
  /** The latest usable value within the freshness window. */
  readonly latest?: LabValue;
  /** The latest usable value when it is older than the freshness window (then `latest` is absent). */
  readonly stale?: LabValue;
  /** Human-readable reasons for results that were ignored (no usable unit, no date, ...). */
  readonly ignored: readonly string[];
  /**
   * The latest value when it was drawn before an IV iron dose of the last 12 months
   * (then `latest` is absent): it no longer describes iron status.
   */
  readonly beforeIvIron?: { readonly value: LabValue; readonly dose: string };
}

/**
 * The finding with a result drawn before an IV iron dose (given at `doseTime`,
 * described by `dose`) moved out of `latest`: such a result is not current.
 */
export function withoutResultsBefore(finding: LabFinding, doseTime: number, dose: string): LabFinding {
  const latest = finding.latest;
  if (!latest || latest.time >= doseTime) return finding;
  return { ignored: finding.ignored, beforeIvIron: { value: latest, dose } };
}

const FERRITIN_FACTORS: Readonly<Record<string, number>> = {
  'ng/ml': 1,
  'ug/l': 1,
  'µg/l': 1,
  'mcg/l': 1,
  'mg/l': 1000,
  'pmol/l': 1 / FERRITIN_PMOL_L_PER_NG_ML,
};

/** Converts a ferritin quantity to ng/mL, or explains why it cannot. */
export function ferritinNgPerMl(q: Quantity | undefined): { value: number } | { reason: string } {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return { reason: 'no numeric value' };
  const unit = (q.code ?? q.unit ?? '').trim().toLowerCase();
  if (!unit) return { reason: 'no unit' };
  const factor = FERRITIN_FACTORS[unit];
  if (factor === undefined) return { reason: `unit ${q.unit ?? q.code ?? ''} is not converted to ng/mL` };
  return { value: q.value * factor };
}

function percent(q: Quantity | undefined): { value: number } | { reason: string } {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return { reason: 'no numeric value' };
  const unit = (q.code ?? q.unit ?? '').trim();
  if (unit !== '%') return { reason: unit ? `unit ${unit} is not %` : 'no unit' };
  return { value: q.value };
}

/** µg/dL of iron per µmol/L (Fe 55.845 g/mol), [D]. */
export const IRON_UG_DL_PER_UMOL_L = 5.585;

function ironUgPerDl(q: Quantity | undefined): number | undefined {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return undefined;
  // Read only for iron/TIBC pairs, which the snapshot's record-by-record probe never forms:
  // a unit that is not a string must make the pair unusable here, not throw.
  const written = q.code ?? q.unit;
  if (typeof written !== 'string') return undefined;
  const unit = written.trim().toLowerCase();
  if (unit === 'ug/dl' || unit === 'µg/dl' || unit === 'mcg/dl') return q.value;
  if (unit === 'umol/l' || unit === 'µmol/l') return q.value * IRON_UG_DL_PER_UMOL_L;
  return undefined;
}

function codedAs(obs: Observation, vs: CompiledValueSet): boolean {
  return (obs.code?.coding ?? []).some((c) => inValueSet(vs, c.system, c.code));
}

function fmt(q: Quantity | undefined): string {
  return `${q?.value ?? '?'} ${q?.unit ?? q?.code ?? ''}`.trim();
}

function pickLatest(candidates: readonly LabValue[], now: Date, ignored: string[]): LabFinding {
  let best: LabValue | undefined;
  for (const c of candidates) if (!best || c.time > best.time) best = c;
  if (!best) return { ignored };
  if (best.time < monthsBefore(now, LAB_FRESHNESS_MONTHS).getTime()) return { stale: best, ignored };
  return { latest: best, ignored };
}

/** The latest ferritin in ng/mL from final/amended/corrected results. */
export function latestFerritin(observations: readonly Observation[], now: Date): LabFinding {
  const ignored: string[] = [];
  const values: LabValue[] = [];
  for (const obs of observations) {
    if (!codedAs(obs, FERRITIN) || !isUsableStatus(obs.status)) continue;
    const when = observationTime(obs);
    if (!when) {
      ignored.push(`ferritin ${fmt(obs.valueQuantity)} has no usable date`);
      continue;
    }
    const converted = ferritinNgPerMl(obs.valueQuantity);
    if ('reason' in converted) {
      ignored.push(`ferritin ${fmt(obs.valueQuantity)} of ${when.effective}: ${converted.reason}`);
      continue;
    }
    const reportedUnit = obs.valueQuantity?.unit ?? obs.valueQuantity?.code ?? '';
    values.push({
      value: converted.value,
      unit: 'ng/mL',
      ...when,
      ...(reportedUnit.toLowerCase() !== 'ng/ml' ? { reportedAs: fmt(obs.valueQuantity) } : {}),
    });
  }
  return pickLatest(values, now, ignored);
}

/** The calendar day of a recorded date-time, as written (YYYY-MM-DD in the record's own time zone). */
function calendarDay(effective: string): string {
  return effective.slice(0, 10);
}

/**
 * The latest transferrin saturation in %: measured where available, else
 * computed as serum iron / TIBC x 100 from an iron and a TIBC drawn on the same
 * calendar day (not necessarily the same minute; the closest pair in time), on
 * a day with no measured TSAT.
 */
export function latestTsat(observations: readonly Observation[], now: Date): LabFinding {
  const ignored: string[] = [];
  const values: LabValue[] = [];
  const measuredDays = new Set<string>();
  const irons: { obs: Observation; effective: string; time: number }[] = [];
  const tibcs: { obs: Observation; effective: string; time: number }[] = [];

  for (const obs of observations) {
    if (!isUsableStatus(obs.status)) continue;
    const isTsat = codedAs(obs, TSAT);
    const isIron = codedAs(obs, SERUM_IRON);
    const isTibc = codedAs(obs, TIBC);
    if (!isTsat && !isIron && !isTibc) continue;
    const when = observationTime(obs);
    if (!when) {
      if (isTsat) ignored.push(`TSAT ${fmt(obs.valueQuantity)} has no usable date`);
      continue;
    }
    if (isTsat) {
      const pct = percent(obs.valueQuantity);
      if ('reason' in pct) {
        ignored.push(`TSAT ${fmt(obs.valueQuantity)} of ${when.effective}: ${pct.reason}`);
        continue;
      }
      measuredDays.add(calendarDay(when.effective));
      values.push({ value: pct.value, unit: '%', ...when });
    } else {
      (isIron ? irons : tibcs).push({ obs, ...when });
    }
  }

  // Each day's iron is paired with that day's TIBC closest in time (one pair per day: the latest iron).
  const byDay = new Map<string, (typeof irons)[number]>();
  for (const iron of irons) {
    const day = calendarDay(iron.effective);
    const known = byDay.get(day);
    if (!known || iron.time > known.time) byDay.set(day, iron);
  }
  for (const [day, iron] of byDay) {
    if (measuredDays.has(day)) continue;
    let tibc: (typeof tibcs)[number] | undefined;
    for (const t of tibcs) {
      if (calendarDay(t.effective) !== day) continue;
      if (!tibc || Math.abs(t.time - iron.time) < Math.abs(tibc.time - iron.time)) tibc = t;
    }
    if (!tibc) continue;
    const ironValue = ironUgPerDl(iron.obs.valueQuantity);
    const tibcValue = ironUgPerDl(tibc.obs.valueQuantity);
    if (ironValue === undefined || tibcValue === undefined || tibcValue <= 0) {
      ignored.push(
        `iron/TIBC of ${iron.effective} could not be used to compute TSAT (unit or value not usable)`,
      );
      continue;
    }
    const minutesApart = Math.round(Math.abs(tibc.time - iron.time) / 60_000);
    values.push({
      value: Math.round((ironValue / tibcValue) * 1000) / 10,
      unit: '%',
      effective: iron.effective,
      time: iron.time,
      computedFrom: {
        iron: fmt(iron.obs.valueQuantity),
        tibc: fmt(tibc.obs.valueQuantity),
        ...(minutesApart > 0 ? { minutesApart } : {}),
      },
    });
  }
  return pickLatest(values, now, ignored);
}
