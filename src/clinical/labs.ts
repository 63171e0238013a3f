/**
 * Laboratory observations to facts: the latest usable ferritin (ng/mL) and
 * transferrin saturation (%), with dates, units, what was converted or
 * computed, and what was ignored and why.
 */
import type { Observation, Quantity } from 'fhir/r4.js';
import { FERRITIN, SERUM_IRON, TIBC, TSAT, type CompiledValueSet, inValueSet } from './terminology.js';
import { LAB_FRESHNESS_MONTHS } from './thresholds.js';
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
  /** Present when TSAT was computed from serum iron and TIBC of the same draw. */
  readonly computedFrom?: { readonly iron: string; readonly tibc: string };
}

/** What the snapshot knows about one analyte. */
export interface LabFinding {
  /** The latest usable value within the freshness window. */
  readonly latest?: LabValue;
  /** The latest usable value when it is older than the freshness window (then `latest` is absent). */
  readonly stale?: LabValue;
  /** Human-readable reasons for results that were ignored (no usable unit, no date, ...). */
  readonly ignored: readonly string[];
}

const FERRITIN_FACTORS: Readonly<Record<string, number>> = {
  'ng/ml': 1,
  'ug/l': 1,
  'µg/l': 1,
  'mcg/l': 1,
  'mg/l': 1000,
};

/** Converts a ferritin quantity to ng/mL, or explains why it cannot. */
export function ferritinNgPerMl(q: Quantity | undefined): { value: number } | { reason: string } {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return { reason: 'no numeric value' };
  const unit = (q.code ?? q.unit ?? '').trim().toLowerCase();
  if (!unit) return { reason: 'no unit' };
  const factor = FERRITIN_FACTORS[unit];
  if (factor === undefined) {
    // pmol/L: the molar conversion factor is unconfirmed in the project's sources, so it is not applied.
    return { reason: `unit ${q.unit ?? q.code ?? ''} is not converted to ng/mL` };
  }
  return { value: q.value * factor };
}

function percent(q: Quantity | undefined): { value: number } | { reason: string } {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value)) return { reason: 'no numeric value' };
  const unit = (q.code ?? q.unit ?? '').trim();
  if (unit !== '%') return { reason: unit ? `unit ${unit} is not %` : 'no unit' };
  return { value: q.value };
}

/** µg/dL of iron per µmol/L (Fe 55.845 g/mol), terminology notes §1 [D]. */
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

/**
 * The latest transferrin saturation in %: measured where available, else
 * computed as serum iron / TIBC x 100 from a draw with the same effective time
 * (or, when no time is recorded, the same date) that has no measured TSAT.
 */
export function latestTsat(observations: readonly Observation[], now: Date): LabFinding {
  const ignored: string[] = [];
  const values: LabValue[] = [];
  const measuredDraws = new Set<string>();
  const irons = new Map<string, Observation>();
  const tibcs = new Map<string, Observation>();

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
      measuredDraws.add(when.effective);
      values.push({ value: pct.value, unit: '%', ...when });
    } else {
      (isIron ? irons : tibcs).set(when.effective, obs);
    }
  }

  for (const [effective, iron] of irons) {
    if (measuredDraws.has(effective)) continue;
    const tibc = tibcs.get(effective);
    if (!tibc) continue;
    const ironValue = ironUgPerDl(iron.valueQuantity);
    const tibcValue = ironUgPerDl(tibc.valueQuantity);
    if (ironValue === undefined || tibcValue === undefined || tibcValue <= 0) {
      ignored.push(`iron/TIBC of ${effective} could not be used to compute TSAT (unit or value not usable)`);
      continue;
    }
    const when = observationTime(iron);
    if (!when) continue;
    values.push({
      value: Math.round((ironValue / tibcValue) * 1000) / 10,
      unit: '%',
      ...when,
      computedFrom: { iron: fmt(iron.valueQuantity), tibc: fmt(tibc.valueQuantity) },
    });
  }
  return pickLatest(values, now, ignored);
}
