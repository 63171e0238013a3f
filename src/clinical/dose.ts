/**
 * Daily dose in mg from FHIR Dosage. Pure functions.
 *
 * Read in this order (catalog policy; docs/clinical.md, "Dose reading"), and the result says which
 * was used: (1) a structured dose quantity in a mass unit, a per-24-hour unit
 * (patches) or a count of product units (tablet, capsule, `{pill}`, patch)
 * times the product strength; (2) the product strength times the count and
 * frequency read from the sig text; (3) otherwise `unknown` with a reason.
 * Nothing is guessed: a dose without a unit, a frequency that cannot be read,
 * or a tablet count without a known tablet strength gives `unknown`.
 *
 * Every free text is cut to {@link MAX_PARSED_TEXT} characters before any
 * regular expression sees it, and every expression here runs in linear time.
 */
import type { Dosage, Quantity, Timing } from 'fhir/r4.js';
import { MAX_PARSED_TEXT, type Product } from '../knowledge/drug-catalog.js';

/** The text cut to {@link MAX_PARSED_TEXT} characters, or undefined when it is not a string. */
export function boundedText(text: unknown): string | undefined {
  return typeof text === 'string' ? text.slice(0, MAX_PARSED_TEXT) : undefined;
}

/** Which reading step gave a daily dose (docs/clinical.md, "Dose reading"). */
export type DoseMethod = 'structured' | 'product-and-sig';

/** Plain words for the card: which reading step was used. */
export const DOSE_METHOD_LABEL: Readonly<Record<DoseMethod, string>> = {
  structured: 'from the structured dose',
  'product-and-sig': 'read from the product strength and the sig text (no structured dose)',
};

/** The outcome of a daily-dose computation. */
export type DailyDose =
  | {
      readonly known: true;
      readonly mgPerDay: number;
      /** how it was computed, for the card */ readonly how: string;
      readonly method: DoseMethod;
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
  milligram: 1,
  milligrams: 1,
  g: 1000,
  ug: 0.001,
  mcg: 0.001,
  µg: 0.001,
  μg: 0.001,
  microgram: 0.001,
  micrograms: 0.001,
};

/** Units counting tablets, capsules or pills of the product (UCUM annotations and plain words). */
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
  'pill',
  'pills',
  '{pill}',
  '{pills}',
  'vial',
  '{vial}',
  '1',
  '{each}',
  'each',
]);
const PATCH_UNITS = new Set(['patch', 'patches', '{patch}', '{patches}']);
const VOLUME_TO_ML: Readonly<Record<string, number>> = { ml: 1, l: 1000 };

/**
 * Units of mg per 24 h (UCUM and the forms EHRs write), compared with spaces
 * removed and in lower case: a dose in these units is already a daily amount.
 */
const MG_PER_DAY_UNITS = new Set([
  'mg/(24.h)',
  'mg/24.h',
  'mg/(24h)',
  'mg/24h',
  'mg/24hr',
  'mg/24hrs',
  'mg/24hour',
  'mg/24hours',
  'mg/d',
  'mg/day',
  'mg/(1.d)',
]);
/** Units of mg per hour (a patch labelled by its hourly rate): times 24 is the daily amount. */
const MG_PER_HOUR_UNITS = new Set(['mg/h', 'mg/hr', 'mg/hour']);

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
    const code = raw.slice(0, 16).trim().toUpperCase();
    const fixed = TIMING_CODES[code];
    if (fixed !== undefined) return { perDay: fixed, how: code };
    const everyHours = /^Q(\d{1,2})H$/.exec(code);
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

function rawUnitOf(q: Quantity): string {
  const code = typeof q.code === 'string' ? q.code : undefined;
  const unit = typeof q.unit === 'string' ? q.unit : undefined;
  return (code ?? unit ?? '').slice(0, 40);
}

function unitOf(q: Quantity): string {
  return rawUnitOf(q).trim().toLowerCase();
}

/** The unit with every space removed, for the per-24-hour forms ("mg/24 hr"). */
function compactUnit(q: Quantity): string {
  return unitOf(q).replace(/\s+/g, '');
}

/** True when the dose quantity is a daily amount already (mg per 24 h or mg per hour). */
function isRateUnit(q: Quantity | undefined): boolean {
  if (!q) return false;
  const u = compactUnit(q);
  return MG_PER_DAY_UNITS.has(u) || MG_PER_HOUR_UNITS.has(u);
}

/** Rounds a patch's hourly rate × 24 to 0.1 mg: 0.0417 mg/h is the 1 mg/24 h patch, not 1.0008. */
export function perHourToPerDay(mgPerHour: number): number {
  return Math.round(mgPerHour * 24 * 10) / 10;
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
  const shown = rawUnitOf(q) || unit;
  const mass = MASS_TO_MG[unit];
  if (mass !== undefined) return { mg: q.value * mass, how: `${q.value} ${q.unit ?? unit}` };
  const compact = compactUnit(q);
  if (MG_PER_DAY_UNITS.has(compact)) return { mg: q.value, how: `${q.value} ${shown} (mg per 24 h)` };
  if (MG_PER_HOUR_UNITS.has(compact))
    return { mg: perHourToPerDay(q.value), how: `${q.value} ${shown} × 24 h` };
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

// ---------------------------------------------------------------------------
// Sig text (step 2). Every expression is a plain alternation of fixed words
// with single-class repeats: linear in the (bounded) text.
// ---------------------------------------------------------------------------

/** Why a sig with several different amounts is not read as one dose per administration. */
const MORE_THAN_ONE_DOSE = 'the sig text names more than one dose';

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  half: 0.5,
  'one-half': 0.5,
  '1/2': 0.5,
  '½': 0.5,
};

const COUNT_IN_SIG =
  /(?:^|[^\w.])(\d{1,2}(?:\.\d{1,3})?|one-half|one|two|three|four|half|1\/2|½)\s?(?:\([a-z ]{1,12}\)\s?)?(?:x\s?)?(?:of\s)?(?:an?\s)?(tablets?|tabs?|capsules?|caps?|pills?|patch(?:es)?)\b/gi;
const MG_IN_SIG = /(?:^|[^\w.])(\d{1,4}(?:\.\d{1,4})?)\s?(mg|mcg|micrograms?|milligrams?)\b(?!\s?\/)/gi;

/** A frequency said in words or abbreviations; first match in this order wins. */
const SIG_FREQUENCIES: readonly { re: RegExp; perDay: number; said: string }[] = [
  {
    re: /\b(?:qid|q\.i\.d\.?|four times (?:a|per|each) day|four times daily|4 times (?:a|per|each) day|4 times daily|4x daily|4x\/day)\b/i,
    perDay: 4,
    said: 'four times a day',
  },
  {
    re: /\b(?:tid|t\.i\.d\.?|three times (?:a|per|each) day|three times daily|3 times (?:a|per|each) day|3 times daily|3x daily|3x\/day)\b/i,
    perDay: 3,
    said: 'three times a day',
  },
  {
    re: /\b(?:bid|b\.i\.d\.?|twice (?:a|per|each) day|twice daily|two times (?:a|per|each) day|two times daily|2 times (?:a|per|each) day|2 times daily|2x daily|2x\/day)\b/i,
    perDay: 2,
    said: 'twice a day',
  },
  { re: /\b(?:every|q) ?8 ?(?:hours|hrs|hr|h)\b/i, perDay: 3, said: 'every 8 hours' },
  { re: /\b(?:every|q) ?12 ?(?:hours|hrs|hr|h)\b/i, perDay: 2, said: 'every 12 hours' },
  { re: /\b(?:every|q) ?6 ?(?:hours|hrs|hr|h)\b/i, perDay: 4, said: 'every 6 hours' },
  { re: /\b(?:every other day|qod)\b/i, perDay: 0.5, said: 'every other day' },
];

/** Times of day a sig names; each distinct one is one administration. */
const SIG_TIMES: readonly { re: RegExp; slot: string }[] = [
  {
    re: /\b(?:bedtime|qhs|hs|at night|nightly|every night|each night|before bed|at hour of sleep)\b/i,
    slot: 'bedtime',
  },
  { re: /\b(?:in the evening|every evening|each evening|qpm|with supper|with dinner)\b/i, slot: 'evening' },
  { re: /\b(?:in the morning|every morning|each morning|qam|with breakfast|on waking)\b/i, slot: 'morning' },
  { re: /\b(?:at noon|midday|with lunch)\b/i, slot: 'noon' },
  { re: /\bin the afternoon\b/i, slot: 'afternoon' },
];
const CLOCK_TIMES = /\b(\d{1,2})(?::(\d{2}))?\s?(am|pm|a\.m\.|p\.m\.)/gi;
const ONCE_DAILY =
  /\b(?:once (?:a|per|each) day|once daily|daily|every day|qd|qday|one time (?:a|per) day)\b/i;
const AS_NEEDED = /\b(?:as needed|prn|p\.r\.n\.?|if needed)\b/i;

/** "5 pm" → "17:00", "8:30 am" → "08:30", or undefined for an impossible time. */
function clockSlot(hour: string, minute: string | undefined, half: string): string | undefined {
  let h = Number(hour);
  const m = Number(minute ?? '0');
  if (!(h >= 1 && h <= 12) || !(m >= 0 && m < 60)) return undefined;
  const pm = half.toLowerCase().startsWith('p');
  if (pm && h < 12) h += 12;
  if (!pm && h === 12) h = 0;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** The times of day a sig text names (bedtime, morning, "17:00" ...), distinct, in order of mention. */
export function sigTimes(text: string | undefined): string[] {
  const t = boundedText(text);
  if (!t) return [];
  const slots: string[] = [];
  for (const { re, slot } of SIG_TIMES) if (re.test(t)) slots.push(slot);
  for (const m of t.matchAll(CLOCK_TIMES)) {
    const slot = clockSlot(m[1] ?? '', m[2], m[3] ?? '');
    if (slot && !slots.includes(slot)) slots.push(slot);
  }
  return slots;
}

/** Administrations per day said in the sig text, or a reason. */
export function sigFrequency(text: string | undefined): { perDay: number; how: string } | { reason: string } {
  const t = boundedText(text);
  if (!t) return { reason: 'no sig text' };
  for (const f of SIG_FREQUENCIES) if (f.re.test(t)) return { perDay: f.perDay, how: f.said };
  const times = sigTimes(t);
  if (times.length > 0) return { perDay: times.length, how: `at ${times.join(' and ')}` };
  if (ONCE_DAILY.test(t)) return { perDay: 1, how: 'once a day' };
  if (AS_NEEDED.test(t)) return { reason: 'as needed, with no frequency in the sig' };
  return { reason: 'no frequency in the sig text' };
}

/** A mass in mg from a number and the mass unit a sig pattern matched ({@link MASS_TO_MG}). */
function massOf(value: string | undefined, unit: string | undefined): number {
  return Number(value) * (MASS_TO_MG[(unit ?? '').toLowerCase()] ?? Number.NaN);
}

/** The dose per administration said in the sig: a count of product units, or a mass in mg. */
export function sigDose(
  text: string | undefined,
): { count: number; unit: 'unit' | 'patch' } | { mg: number } | { reason: string } {
  const t = boundedText(text);
  if (!t) return { reason: 'no sig text' };
  const counts = [...t.matchAll(COUNT_IN_SIG)].map((m) => ({
    count: NUMBER_WORDS[(m[1] ?? '').toLowerCase()] ?? Number(m[1]),
    unit: (m[2] ?? '').toLowerCase().startsWith('patch') ? ('patch' as const) : ('unit' as const),
  }));
  const distinct = new Set(counts.map((c) => `${c.count} ${c.unit}`));
  if (distinct.size > 1) return { reason: MORE_THAN_ONE_DOSE };
  const first = counts[0];
  if (first && Number.isFinite(first.count) && first.count > 0) return first;
  const masses = [...t.matchAll(MG_IN_SIG)].map((m) => massOf(m[1], m[2]));
  if (new Set(masses).size === 1 && masses[0] !== undefined && masses[0] > 0) return { mg: masses[0] };
  if (masses.length > 1) return { reason: MORE_THAN_ONE_DOSE };
  return { reason: 'no dose in the sig text' };
}

/**
 * Words that make a sig with several amounts a schedule over days (a titration
 * or taper), not one day split in parts: such a sig is never summed.
 */
const SIG_SCHEDULE_WORDS =
  /\b(?:then|increase|increasing|decrease|decreasing|titrate|titrating|taper|tapering|until|weeks?|days)\b/i;
/** A range of amounts ("1-2 tablets", "1 to 2", "one or two"): the amount taken is not known. */
const SIG_RANGE =
  /(?:\d|\b(?:one|two|three|half))\s?(?:-|–|\bto\b|\bor\b)\s?(?:\d|(?:one|two|three|four)\b)/i;

/** The named times of day of {@link SIG_TIMES}, as global expressions for finding where each is said. */
const SIG_TIMES_AT: readonly { re: RegExp; slot: string }[] = SIG_TIMES.map(({ re, slot }) => ({
  re: new RegExp(re.source, 'gi'),
  slot,
}));

interface SigSpan {
  /** where the mention starts in the text */ readonly at: number;
  /** where it ends */ readonly end: number;
}
type SigAmount = SigSpan &
  (
    | { readonly kind: 'count'; readonly count: number; readonly patch: boolean; readonly statedMg?: number }
    | { readonly kind: 'mg'; readonly mg: number }
  );
type SigTime = SigSpan & { readonly kind: 'time'; readonly slot: string };

/** Where a match's first group starts (the match may begin with one separating character). */
function groupStart(m: RegExpMatchArray): number {
  const group = m[1] ?? '';
  return (m.index ?? 0) + Math.max(0, m[0].indexOf(group));
}

/**
 * The amounts a sig names, in order: counts of product units and masses. A mass
 * in brackets right after a count restates it ("1 capsule (300 mg total)") and is
 * kept with the count, not read as another amount.
 */
function sigAmounts(t: string): SigAmount[] {
  const counts: SigAmount[] = [...t.matchAll(COUNT_IN_SIG)].map((m) => ({
    kind: 'count',
    count: NUMBER_WORDS[(m[1] ?? '').toLowerCase()] ?? Number(m[1]),
    patch: (m[2] ?? '').toLowerCase().startsWith('patch'),
    at: groupStart(m),
    end: (m.index ?? 0) + m[0].length,
  }));
  const masses: SigAmount[] = [...t.matchAll(MG_IN_SIG)].map((m) => ({
    kind: 'mg',
    mg: massOf(m[1], m[2]),
    at: groupStart(m),
    end: (m.index ?? 0) + m[0].length,
  }));
  const all = [...counts, ...masses].sort((a, b) => a.at - b.at);
  const merged: SigAmount[] = [];
  for (const a of all) {
    const last = merged[merged.length - 1];
    const between = last ? t.slice(last.end, a.at).replace(/\s/g, '') : '';
    if (last?.kind === 'count' && last.statedMg === undefined && a.kind === 'mg' && between === '(') {
      merged[merged.length - 1] = { ...last, statedMg: a.mg, end: a.end };
    } else merged.push(a);
  }
  return merged;
}

/** The times of day a sig names, each where it is said, in order (overlapping mentions kept once). */
function sigTimeMentions(t: string): SigTime[] {
  const found: SigTime[] = [];
  for (const { re, slot } of SIG_TIMES_AT)
    for (const m of t.matchAll(re))
      found.push({ kind: 'time', slot, at: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
  for (const m of t.matchAll(CLOCK_TIMES)) {
    const slot = clockSlot(m[1] ?? '', m[2], m[3] ?? '');
    if (slot) found.push({ kind: 'time', slot, at: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
  }
  found.sort((a, b) => a.at - b.at);
  const kept: SigTime[] = [];
  for (const f of found) {
    const last = kept[kept.length - 1];
    if (!last || f.at >= last.end) kept.push(f);
  }
  return kept;
}

/** One part of a day split in the sig: an amount and the one time of day it is taken. */
export interface SigSplitPart {
  readonly amount: { readonly count: number; readonly statedMg?: number } | { readonly mg: number };
  /** "morning", "bedtime", "17:00" ... */ readonly slot: string;
}

/**
 * A sig that splits the day's dose ("300 mg in the morning and 600 mg at
 * bedtime", "1 tab qam and 2 tabs qhs"): two or more amounts, each paired with
 * exactly one distinct time of day, amounts and times alternating. Anything
 * else gives a reason: a frequency on top of the times, "as needed", a range, a
 * schedule over days, a patch, an amount without its time, a repeated time.
 */
export function sigSplitDose(text: string | undefined): { parts: SigSplitPart[] } | { reason: string } {
  const t = boundedText(text);
  if (!t) return { reason: 'no sig text' };
  if (AS_NEEDED.test(t)) return { reason: 'the sig gives several amounts and says "as needed"' };
  if (SIG_FREQUENCIES.some((f) => f.re.test(t)) || ONCE_DAILY.test(t))
    return { reason: 'the sig gives several amounts and a frequency besides the times of day' };
  if (SIG_RANGE.test(t)) return { reason: 'the sig gives a range of amounts' };
  if (SIG_SCHEDULE_WORDS.test(t))
    return { reason: 'the sig gives several amounts over a schedule of days (titration or taper)' };
  const amounts = sigAmounts(t);
  if (amounts.some((a) => a.kind === 'count' && a.patch))
    return { reason: 'a patch sig with several amounts is not read' };
  const times = sigTimeMentions(t);
  if (amounts.length < 2 || amounts.length !== times.length)
    return { reason: 'the sig does not give one time of day for each amount' };
  const tokens = [...amounts, ...times].sort((a, b) => a.at - b.at);
  const amountFirst = tokens[0]?.kind !== 'time';
  const parts: SigSplitPart[] = [];
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const a = tokens[amountFirst ? i : i + 1];
    const time = tokens[amountFirst ? i + 1 : i];
    if (!a || !time || a.kind === 'time' || time.kind !== 'time')
      return { reason: 'the sig does not give one time of day for each amount' };
    if (parts.some((p) => p.slot === time.slot))
      return { reason: `the sig names the time "${time.slot}" more than once` };
    const value = a.kind === 'mg' ? a.mg : a.count;
    if (!Number.isFinite(value) || value <= 0)
      return { reason: 'the sig names an amount that is not positive' };
    const amount: SigSplitPart['amount'] =
      a.kind === 'mg'
        ? { mg: a.mg }
        : { count: a.count, ...(a.statedMg !== undefined ? { statedMg: a.statedMg } : {}) };
    parts.push({ amount, slot: time.slot });
  }
  return { parts };
}

/** True when a sig names both a count of units and a mass that does not restate that count. */
function mixesCountsAndMasses(sig: string): boolean {
  const amounts = sigAmounts(sig);
  return amounts.some((a) => a.kind === 'count') && amounts.some((a) => a.kind === 'mg');
}

/** "morning", "bedtime", or "at 17:00" for a clock time. */
function slotWords(slot: string): string {
  return /^\d/.test(slot) ? `at ${slot}` : slot;
}

/**
 * Step 2 for a sig that splits the day's dose: the sum of its parts, each a
 * mass as written or a count times the product strength (a count's bracketed
 * mass must agree with the strength; with no strength, that mass is used).
 */
function fromSplitSig(dosage: Dosage, sig: string | undefined, strength: Strength | undefined): DailyDose {
  const split = sigSplitDose(sig);
  if ('reason' in split) return { known: false, reason: `${MORE_THAN_ONE_DOSE}: ${split.reason}` };
  const structured = administrationsPerDay(dosage.timing);
  if ('perDay' in structured && structured.perDay !== split.parts.length)
    return {
      known: false,
      reason: `${MORE_THAN_ONE_DOSE}: the timing (${structured.how}) does not match its ${split.parts.length} times of day`,
    };
  const unit = strength?.basis === 'unit' ? strength : undefined;
  let total = 0;
  const said: string[] = [];
  for (const { amount, slot } of split.parts) {
    let mg: number;
    let words: string;
    if ('mg' in amount) {
      mg = amount.mg;
      words = `${amount.mg} mg`;
    } else if (unit) {
      mg = amount.count * unit.mg;
      if (amount.statedMg !== undefined && Math.abs(amount.statedMg - mg) > 1e-9)
        return {
          known: false,
          reason: `${MORE_THAN_ONE_DOSE}: ${amount.count} × ${unit.mg} mg (${unit.from}) is not the ${amount.statedMg} mg the sig states`,
        };
      words = `${amount.count} × ${unit.mg} mg`;
    } else if (amount.statedMg !== undefined) {
      mg = amount.statedMg;
      words = `${amount.statedMg} mg`;
    } else {
      return {
        known: false,
        reason: `${MORE_THAN_ONE_DOSE}: the sig counts tablets but the strength per tablet is unknown`,
      };
    }
    total += mg;
    said.push(`${words} ${slotWords(slot)}`);
  }
  const mgPerDay = Math.round(total * 1000) / 1000;
  const usedStrength =
    unit && split.parts.some((p) => 'count' in p.amount) ? ` (${unit.mg} mg per unit: ${unit.from})` : '';
  return {
    known: true,
    mgPerDay,
    how: `read from the sig text: ${said.join(' + ')} = ${mgPerDay} mg/day${usedStrength} (sig "${sig ?? ''}")`,
    method: 'product-and-sig',
  };
}

/** The sig texts of one Dosage line (text, then patient instruction), bounded. */
function sigOf(dosage: Dosage): string | undefined {
  const parts = [boundedText(dosage.text), boundedText(dosage.patientInstruction)].filter(
    (x): x is string => !!x,
  );
  return parts.length ? boundedText(parts.join('; ')) : undefined;
}

/** Step 2: the product strength times the count and frequency read from the sig text. */
function fromSig(dosage: Dosage, strength: Strength | undefined): DailyDose {
  const sig = sigOf(dosage);
  const dose = sigDose(sig);
  if ('reason' in dose && dose.reason === MORE_THAN_ONE_DOSE) return fromSplitSig(dosage, sig, strength);
  if ('reason' in dose) return { known: false, reason: dose.reason };
  if (sig && mixesCountsAndMasses(sig)) {
    // "1 tab in the morning and 600 mg at bedtime": summed when each amount has its own time of day.
    const split = fromSplitSig(dosage, sig, strength);
    if (split.known) return split;
  }
  // A patch is worn for 24 h: one application a day unless the timing or sig says otherwise.
  if ('count' in dose && dose.unit === 'patch') {
    if (!strength || strength.basis !== 'per-24h')
      return { known: false, reason: 'patch dose in the sig but the patch strength is unknown' };
    const timing = administrationsPerDay(dosage.timing);
    const perDay = 'perDay' in timing ? timing.perDay : 1;
    return {
      known: true,
      mgPerDay: dose.count * strength.mg * perDay,
      how: `${dose.count} × ${strength.mg} mg/24 h patch (${strength.from}) a day, sig "${sig ?? ''}"`,
      method: 'product-and-sig',
    };
  }
  let perDose: { mg: number; how: string };
  if ('count' in dose) {
    if (!strength || strength.basis !== 'unit')
      return { known: false, reason: 'the sig counts tablets but the strength per tablet is unknown' };
    perDose = { mg: dose.count * strength.mg, how: `${dose.count} × ${strength.mg} mg (${strength.from})` };
  } else {
    perDose = { mg: dose.mg, how: `${dose.mg} mg` };
  }
  const structured = administrationsPerDay(dosage.timing);
  const frequency = 'perDay' in structured ? structured : sigFrequency(sig);
  if ('reason' in frequency) return { known: false, reason: frequency.reason };
  return {
    known: true,
    mgPerDay: perDose.mg * frequency.perDay,
    how: `${perDose.how}, ${frequency.how} (sig "${sig ?? ''}")`,
    method: 'product-and-sig',
  };
}

/** Daily dose of one Dosage line. */
function oneLine(dosage: Dosage, strength: Strength | undefined): DailyDose {
  const q = quantityOf(dosage);
  if (!q) {
    if (sigOf(dosage)) {
      const read = fromSig(dosage, strength);
      if (read.known || strength?.basis !== 'per-24h') return read;
    }
    // A patch product with no dose stated: one patch delivers its labelled mg per 24 h.
    if (strength?.basis === 'per-24h') {
      return {
        known: true,
        mgPerDay: strength.mg,
        how: `one ${strength.mg} mg/24 h patch (${strength.from})`,
        method: 'product-and-sig',
      };
    }
    return { known: false, reason: dosage.text ? 'dose given only as free text' : 'no dose quantity' };
  }
  const dose = doseMg(q, strength);
  if ('reason' in dose) return { known: false, reason: dose.reason };
  if (isRateUnit(q)) {
    // Already a daily amount (a patch's mg per 24 h or its hourly rate): no frequency to apply.
    return { known: true, mgPerDay: dose.mg, how: `${dose.how} per day`, method: 'structured' };
  }
  if (strength?.basis === 'per-24h' && PATCH_UNITS.has(unitOf(q))) {
    // A patch is worn for 24 h: the frequency is one application per day unless timing says otherwise.
    const timing = administrationsPerDay(dosage.timing);
    const perDay = 'perDay' in timing ? timing.perDay : 1;
    return { known: true, mgPerDay: dose.mg * perDay, how: `${dose.how} per day`, method: 'structured' };
  }
  const timing = administrationsPerDay(dosage.timing);
  const frequency = 'perDay' in timing ? timing : sigFrequency(sigOf(dosage));
  if ('reason' in frequency) return { known: false, reason: 'reason' in timing ? timing.reason : '' };
  const viaSig = 'reason' in timing;
  return {
    known: true,
    mgPerDay: dose.mg * frequency.perDay,
    how: `${dose.how}, ${frequency.how}${viaSig ? ' (frequency from the sig text)' : ''}`,
    method: 'structured',
  };
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
  let best: { mgPerDay: number; how: string; method: DoseMethod } | undefined;
  for (const lines of phases.values()) {
    let total = 0;
    const hows: string[] = [];
    let method: DoseMethod = 'structured';
    for (const line of lines) {
      const result = oneLine(line, strength);
      if (!result.known) return result;
      total += result.mgPerDay;
      hows.push(result.how);
      if (result.method === 'product-and-sig') method = 'product-and-sig';
    }
    if (!best || total > best.mgPerDay) best = { mgPerDay: total, how: hows.join(' + '), method };
  }
  if (!best) return { known: false, reason: 'no dosage instruction' };
  const how = phases.size > 1 ? `${best.how} (highest of ${phases.size} phases)` : best.how;
  return { known: true, mgPerDay: Math.round(best.mgPerDay * 1000) / 1000, how, method: best.method };
}

// The number may not continue a longer one ("123456 mg" is not 23456 mg; "1,000 mg" is not 000 mg);
// a leading decimal point is read as such (".25 mg" is 0.25 mg, never 25 mg).
const STRENGTH_IN_TEXT =
  /(?<![\d.,])(\d{1,5}(?:\.\d{1,5})?|\.\d{1,5})\s?(mg|mcg|µg|ug)\b(\s?\/\s?(?:\(24\.h\)|24\s?(?:hours?|hrs?|h)\b|hours?\b|hrs?\b|h\b|ml\b|d\b|day\b))?/gi;

/**
 * Reads a single strength from free text such as "pramipexole 0.25 MG Oral
 * Tablet", "Mirapex 0.5 mg tablet" or "rotigotine 0.125 MG/HR patch" (the
 * hourly rate of a patch × 24, rounded to 0.1 mg). Combination products (two
 * strengths) give undefined: the text does not say which one is meant, except
 * for carbidopa/levodopa (`ingredientId` "levodopa"), whose levodopa component
 * is the larger of the two ("Sinemet 25/100", "carbidopa 25 mg / levodopa 100 mg").
 */
export function strengthFromText(
  text: string | undefined,
  ingredientId?: string,
): Omit<Strength, 'from'> | undefined {
  const t = boundedText(text);
  if (!t) return undefined;
  const all = [...t.matchAll(STRENGTH_IN_TEXT)];
  if (ingredientId === 'levodopa') return levodopaStrength(t, all);
  if (all.length !== 1 || !all[0]) return undefined;
  const unit = (all[0][2] ?? '').toLowerCase();
  const mg = Number(all[0][1]) * (unit === 'mg' ? 1 : 0.001);
  const per = (all[0][3] ?? '').toLowerCase().replace(/[\s/().]/g, '');
  if (per === '') return { mg, basis: 'unit' };
  if (per === 'ml') return { mg, basis: 'per-mL' };
  if (per.startsWith('24') || per === 'd' || per === 'day') return { mg, basis: 'per-24h' };
  return { mg: perHourToPerDay(mg), basis: 'per-24h' };
}

const CARBIDOPA_LEVODOPA_PAIR = /(?:^|[^\d.])(\d{1,3})\s?(?:mg\s?)?[-/]\s?(\d{2,4})(?:\s?mg)?\b/i;

function levodopaStrength(text: string, masses: RegExpMatchArray[]): Omit<Strength, 'from'> | undefined {
  const plain = masses.filter((m) => !m[3] && (m[2] ?? '').toLowerCase() === 'mg').map((m) => Number(m[1]));
  if (plain.length === 1 && plain[0] !== undefined && masses.length === 1)
    return { mg: plain[0], basis: 'unit' };
  if (plain.length === 2) return { mg: Math.max(...plain), basis: 'unit' };
  const pair = CARBIDOPA_LEVODOPA_PAIR.exec(text);
  if (pair) {
    const a = Number(pair[1]);
    const b = Number(pair[2]);
    if (b > a) return { mg: b, basis: 'unit' };
  }
  return undefined;
}
