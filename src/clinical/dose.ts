/**
 * Daily dose in mg from FHIR Dosage. Pure functions.
 *
 * What is known is computed; what is not stays unknown with a reason. Nothing
 * is guessed: a dose without a unit, a frequency that cannot be read, or a
 * tablet count without a known tablet strength gives `unknown`.
 */
import type { Dosage, Quantity, Timing } from 'fhir/r4.js';
import type { Product } from './drug-catalog.js';
import { parseableText } from './text-limit.js';

/** The outcome of a daily-dose computation. */
export type DailyDose =
  | {
      readonly known: true;
      readonly mgPerDay: number;
      /** how it was computed, for the card */ readonly how: string;
    }
  | { readonly known: false; readonly reason: string };

/** Strength of one dose unit (tablet, mL, patch), when the product tells it. */
export interface Strength {
  readonly mg: number;
  readonly basis: Product['basis'];
  /** Where the strength came from, e.g. "RxNorm 859040" or "text \"0.25 mg\"". */
  readonly from: string;
}

const MASS_TO_MG: Readonly<Record<string, number>> = {
  mg: 1,
  g: 1000,
  ug: 0.001,
  mcg: 0.001,
  µg: 0.001,
};

const COUNT_UNITS = new Set([
  'tab',
  'tabs',
  'tablet',
  'tablets',
  '{tbl}',
  '{tab}',
  '{tablet}',
  '{tablets}',
  'cap',
  'caps',
  'capsule',
  'capsules',
  '{cap}',
  '{capsule}',
  '{capsules}',
  'vial',
  '{vial}',
]);
const PATCH_UNITS = new Set(['patch', 'patches', '{patch}', '{patches}']);
const VOLUME_TO_ML: Readonly<Record<string, number>> = { ml: 1, l: 1000 };

/** Timing abbreviations (HL7 GTS abbreviations plus common ward usage) in administrations per day. */
const TIMING_CODES: Readonly<Record<string, number>> = {
  QD: 1,
  DAILY: 1,
  QAM: 1,
  QPM: 1,
  AM: 1,
  PM: 1,
  QHS: 1,
  HS: 1,
  BED: 1,
  QOD: 0.5,
  BID: 2,
  TID: 3,
  QID: 4,
};

const PERIOD_UNIT_DAYS: Readonly<Record<string, number>> = { h: 1 / 24, d: 1, wk: 7 };

/** Administrations per day from a Timing, or a reason it cannot be read. */
export function administrationsPerDay(
  timing: Timing | undefined,
): { perDay: number; how: string } | { reason: string } {
  const repeat = timing?.repeat;
  if (repeat && (repeat.frequency !== undefined || repeat.period !== undefined)) {
    const frequency = repeat.frequencyMax ?? repeat.frequency ?? 1;
    const period = repeat.period ?? 1;
    const unit = repeat.periodUnit ?? 'd';
    const days = PERIOD_UNIT_DAYS[unit];
    if (days === undefined) return { reason: `timing period unit "${unit}" is not supported` };
    if (!(frequency > 0) || !(period > 0)) return { reason: 'timing frequency or period is not positive' };
    const perDay = frequency / (period * days);
    return { perDay, how: `${frequency} per ${period} ${unit}` };
  }
  const codes = [timing?.code?.text, ...(timing?.code?.coding ?? []).map((c) => c.code)].filter(
    (c): c is string => typeof c === 'string',
  );
  for (const raw of codes) {
    const code = raw.trim().toUpperCase();
    const fixed = TIMING_CODES[code];
    if (fixed !== undefined) return { perDay: fixed, how: code };
    const everyHours = /^Q(\d+)H$/.exec(code);
    if (everyHours) {
      const hours = Number(everyHours[1]);
      if (hours > 0) return { perDay: 24 / hours, how: code };
    }
  }
  if (repeat?.when?.length) return { perDay: repeat.when.length, how: `at ${repeat.when.join(', ')}` };
  if (repeat?.timeOfDay?.length)
    return { perDay: repeat.timeOfDay.length, how: `at ${repeat.timeOfDay.join(', ')}` };
  return { reason: 'no frequency' };
}

function unitOf(q: Quantity): string {
  return (q.code ?? q.unit ?? '').trim().toLowerCase();
}

/** One administration's dose in mg, or a reason. Uses the product strength for tablet, mL and patch doses. */
export function doseMg(
  q: Quantity | undefined,
  strength: Strength | undefined,
): { mg: number; how: string } | { reason: string } {
  if (typeof q?.value !== 'number' || !Number.isFinite(q.value) || q.value < 0)
    return { reason: 'no dose quantity' };
  const unit = unitOf(q);
  if (!unit) return { reason: 'dose has no unit' };
  const mass = MASS_TO_MG[unit];
  if (mass !== undefined) return { mg: q.value * mass, how: `${q.value} ${q.unit ?? unit}` };
  if (COUNT_UNITS.has(unit)) {
    if (!strength || strength.basis !== 'unit')
      return { reason: `dose in ${unit} but the strength per ${unit} is unknown` };
    return { mg: q.value * strength.mg, how: `${q.value} × ${strength.mg} mg (${strength.from})` };
  }
  const ml = VOLUME_TO_ML[unit];
  if (ml !== undefined) {
    if (!strength || strength.basis !== 'per-mL')
      return { reason: 'dose in mL but the concentration is unknown' };
    return { mg: q.value * ml * strength.mg, how: `${q.value} mL × ${strength.mg} mg/mL (${strength.from})` };
  }
  if (PATCH_UNITS.has(unit)) {
    if (!strength || strength.basis !== 'per-24h')
      return { reason: 'patch dose but the patch strength is unknown' };
    return { mg: q.value * strength.mg, how: `${q.value} × ${strength.mg} mg/24 h patch (${strength.from})` };
  }
  return { reason: `dose unit "${q.unit ?? unit}" is not supported` };
}

function quantityOf(dosage: Dosage): Quantity | undefined {
  for (const dr of dosage.doseAndRate ?? []) {
    if (dr.doseQuantity) return dr.doseQuantity;
    if (dr.doseRange?.high) return dr.doseRange.high;
  }
  return undefined;
}

/** Daily dose of one Dosage line. */
function oneLine(dosage: Dosage, strength: Strength | undefined): DailyDose {
  const q = quantityOf(dosage);
  // A patch product with no dose stated: one patch delivers its labelled mg per 24 h.
  if (!q && strength?.basis === 'per-24h') {
    return { known: true, mgPerDay: strength.mg, how: `one ${strength.mg} mg/24 h patch (${strength.from})` };
  }
  const dose = doseMg(q, strength);
  if ('reason' in dose)
    return { known: false, reason: dosage.text && !q ? 'dose given only as free text' : dose.reason };
  if (strength?.basis === 'per-24h' && PATCH_UNITS.has(unitOf(q as Quantity))) {
    // A patch is worn for 24 h: the frequency is one application per day unless timing says otherwise.
    const timing = administrationsPerDay(dosage.timing);
    const perDay = 'perDay' in timing ? timing.perDay : 1;
    return { known: true, mgPerDay: dose.mg * perDay, how: `${dose.how} per day` };
  }
  const timing = administrationsPerDay(dosage.timing);
  if ('reason' in timing) return { known: false, reason: timing.reason };
  return { known: true, mgPerDay: dose.mg * timing.perDay, how: `${dose.how}, ${timing.how}` };
}

/**
 * Daily dose in mg from a list of Dosage (MedicationRequest.dosageInstruction
 * or MedicationStatement.dosage). Lines with the same (or no) sequence are
 * taken together and summed; when lines carry different sequence numbers they
 * are successive phases and the highest phase counts (said in `how`).
 */
export function dailyDose(dosages: readonly Dosage[] | undefined, strength: Strength | undefined): DailyDose {
  if (!dosages || dosages.length === 0) return { known: false, reason: 'no dosage instruction' };
  const phases = new Map<number, Dosage[]>();
  for (const d of dosages) {
    const key = d.sequence ?? 0;
    phases.set(key, [...(phases.get(key) ?? []), d]);
  }
  let best: { mgPerDay: number; how: string } | undefined;
  for (const lines of phases.values()) {
    let total = 0;
    const hows: string[] = [];
    for (const line of lines) {
      const result = oneLine(line, strength);
      if (!result.known) return result;
      total += result.mgPerDay;
      hows.push(result.how);
    }
    if (!best || total > best.mgPerDay) best = { mgPerDay: total, how: hows.join(' + ') };
  }
  if (!best) return { known: false, reason: 'no dosage instruction' };
  const how = phases.size > 1 ? `${best.how} (highest of ${phases.size} phases)` : best.how;
  return { known: true, mgPerDay: Math.round(best.mgPerDay * 1000) / 1000, how };
}

/**
 * Reads a single strength from free text such as "pramipexole 0.25 MG Oral
 * Tablet" or "rotigotine 0.125 MG/HR patch". Combination products (two
 * strengths) give undefined: the text does not say which one is meant, and
 * so does a text too long to parse (`MAX_PARSED_TEXT_CHARS`).
 */
export function strengthFromText(text: string | undefined): Omit<Strength, 'from'> | undefined {
  const bounded = parseableText(text);
  if (!bounded) return undefined;
  // A number starts after a non-digit, non-dot: linear time, and ".25 mg" is not read as 25 mg.
  const all = [
    ...bounded.matchAll(/(?<![\d.])(\d+(?:\.\d+)?)\s*mg\b(\s*\/\s*(24\s*(?:hr|h|hours?)|hr|h|hour|ml)\b)?/gi),
  ];
  // Two strengths (a combination product such as carbidopa/levodopa): the text does not say which one is meant.
  if (all.length !== 1 || !all[0]) return undefined;
  const mg = Number(all[0][1]);
  const per = (all[0][3] ?? '').toLowerCase().replace(/\s+/g, '');
  if (per === '') return { mg, basis: 'unit' };
  if (per === 'ml') return { mg, basis: 'per-mL' };
  if (per.startsWith('24')) return { mg, basis: 'per-24h' };
  return { mg: mg * 24, basis: 'per-24h' };
}
