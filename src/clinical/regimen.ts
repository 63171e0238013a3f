/**
 * Current therapy and the regimen at order time (catalog policy; docs/clinical.md,
 * "Order time"): which completed orders the patient still takes (read the same way
 * at every hook), what the patient takes now (the baseline), which of it the draft
 * orders replace, and what the patient will take once they are signed (the
 * resulting regimen). Pure: the snapshot in, the regimen out.
 */
import { isDopaminergic } from './equivalents.js';
import type { MedicationFact } from './medications.js';
import type { DraftOrderFact, PatientSnapshot } from './snapshot.js';
import { COMPLETED_ORDER_CURRENT_DAYS, SUPPLY_GRACE_DAYS } from '../knowledge/thresholds.js';
import { displayDate } from './time.js';

/** A completed order that still counts as current therapy, and why. */
export interface CompletedInBaseline {
  readonly fact: MedicationFact;
  /**
   * "completed order still current: authored 2026-10-02, 30 days ago (within 90 days)" or
   * "completed order still current: supply to 2026-12-16 (...) plus 7 days".
   */
  readonly why: string;
}

/** The regimen before and after the draft orders. */
export interface OrderRegimen {
  /**
   * Active / on-hold orders, recent completed orders of the watched classes, and active statements
   * that do not restate one of those orders.
   */
  readonly baseline: readonly MedicationFact[];
  /** The completed orders that are part of the baseline (the card names them). */
  readonly completed: readonly CompletedInBaseline[];
  /** Every draft of the request (order-select counts the unselected ones too). */
  readonly drafts: readonly DraftOrderFact[];
  /** Baseline orders replaced, by their reference, with the draft that replaces each. */
  readonly replaced: ReadonlyMap<string, { readonly by: DraftOrderFact; readonly how: string }>;
  /** Baseline minus replaced orders plus every draft. */
  readonly resulting: readonly MedicationFact[];
}

const DAY_MS = 86_400_000;

/** Drug classes whose completed orders still count as current therapy for a while. */
function watched(m: MedicationFact): boolean {
  return isDopaminergic(m) || m.classes.includes('alpha2delta') || m.classes.includes('opioid');
}

/** The calendar day (UTC midnight) of a recorded date-time, as written. */
function dayOf(value: string): number | undefined {
  const t = Date.parse(value.slice(0, 10));
  return Number.isNaN(t) ? undefined : t;
}

function today(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/**
 * Why a completed order still counts as current therapy, or undefined when it
 * does not: with a supply, until the supply ends plus 7 days; without one,
 * when authored in the last 90 days (calendar days, the 90th day included).
 */
export function completedStillCurrent(m: MedicationFact, now: Date): string | undefined {
  if (m.resourceType !== 'MedicationRequest' || m.status !== 'completed' || !watched(m)) return undefined;
  if (m.supplyEnd !== undefined) {
    const until = m.supplyEnd + SUPPLY_GRACE_DAYS * DAY_MS;
    if (until < now.getTime()) return undefined;
    return `completed order still current: supply to ${new Date(m.supplyEnd).toISOString().slice(0, 10)} (${m.supplyHow ?? 'supply on the order'}) plus ${SUPPLY_GRACE_DAYS} days`;
  }
  const day = m.start ? dayOf(m.start) : undefined;
  if (day === undefined) return undefined;
  const age = Math.round((today(now) - day) / DAY_MS);
  if (age < 0 || age > COMPLETED_ORDER_CURRENT_DAYS) return undefined;
  return `completed order still current: authored ${displayDate(m.start ?? '')}, ${age} days ago (within ${COMPLETED_ORDER_CURRENT_DAYS} days)`;
}

function overlap(a: readonly string[] | undefined, b: readonly string[] | undefined): string | undefined {
  if (!a?.length || !b?.length) return undefined;
  return a.find((x) => b.includes(x));
}

/** True when `later` (a later order of the same drug) takes the place of `earlier`. */
function supersedes(later: MedicationFact, earlier: MedicationFact): boolean {
  if (later.ingredient.id !== earlier.ingredient.id || later === earlier) return false;
  if ((later.startTime ?? 0) <= (earlier.startTime ?? 0)) return false;
  if (later.priorPrescriptions?.includes(earlier.reference)) return true;
  // A later order of the same drug replaces the earlier one unless both say they are taken at different times.
  const a = later.timeSlots ?? [];
  const b = earlier.timeSlots ?? [];
  return a.length === 0 || b.length === 0 || overlap(a, b) !== undefined;
}

/** True when two records of the same drug describe one therapy: their times of day overlap or one is unstated. */
function sameTherapy(a: MedicationFact, b: MedicationFact): boolean {
  if (a.ingredient.id !== b.ingredient.id) return false;
  const x = a.timeSlots ?? [];
  const y = b.timeSlots ?? [];
  return x.length === 0 || y.length === 0 || overlap(x, y) !== undefined;
}

/** How a draft replaces a baseline order, or undefined when it adds to it. */
export function replacement(draft: MedicationFact, base: MedicationFact): string | undefined {
  if (draft.priorPrescriptions?.includes(base.reference))
    return `replaces ${base.reference} (named as its prior prescription)`;
  if (draft.ingredient.id !== base.ingredient.id) return undefined;
  const slot = overlap(draft.timeSlots, base.timeSlots);
  if (slot === undefined) return undefined;
  const said =
    slot === 'schedule'
      ? 'the same dosing schedule'
      : slot === 'patch'
        ? 'a patch in place of a patch'
        : slot;
  return `replaces ${base.reference} (same time of day: ${said})`;
}

/**
 * The completed orders of the history that still count as current therapy
 * ({@link completedStillCurrent}), each with why; an order that a later order of
 * the same drug supersedes is left out (the later one is the therapy). The
 * snapshot holds the result, so patient-view and order time read one list.
 */
export function completedOrdersStillCurrent(
  medicationHistory: readonly MedicationFact[],
  now: Date,
): CompletedInBaseline[] {
  const history = medicationHistory.filter((m) => m.resourceType === 'MedicationRequest');
  const completed: CompletedInBaseline[] = [];
  for (const m of history) {
    const why = completedStillCurrent(m, now);
    if (!why) continue;
    if (history.some((later) => later.status !== 'draft' && supersedes(later, m))) continue;
    completed.push({ fact: m, why });
  }
  return completed;
}

/**
 * What the patient takes now: the active medications plus the completed orders
 * still current. A reported medication that restates
 * one of those completed orders (same drug, same or unstated time of day) is the
 * same therapy and is counted once, as the order, the way the order-time baseline counts it.
 */
export function currentTherapyOf(
  activeMedications: readonly MedicationFact[],
  completed: readonly CompletedInBaseline[],
): MedicationFact[] {
  const orders = completed.map((c) => c.fact);
  const active = activeMedications.filter(
    (m) => m.resourceType !== 'MedicationStatement' || !orders.some((o) => sameTherapy(o, m)),
  );
  return [...active, ...orders];
}

/** The baseline, the replaced orders and the resulting regimen for an order hook. */
export function orderRegimen(s: PatientSnapshot): OrderRegimen {
  const completed = s.completedStillCurrent;
  const orders = [
    ...s.activeMedications.filter((m) => m.resourceType === 'MedicationRequest'),
    ...completed.map((c) => c.fact),
  ];
  // A reported medication that restates an order (same drug, same or unstated time) is the same therapy.
  const statements = s.activeMedications.filter(
    (m) => m.resourceType === 'MedicationStatement' && !orders.some((o) => sameTherapy(o, m)),
  );
  const baseline = [...orders, ...statements];
  const replaced = new Map<string, { by: DraftOrderFact; how: string }>();
  for (const draft of s.draftOrders) {
    for (const base of baseline) {
      const how = replacement(draft, base);
      if (how && !replaced.has(base.reference)) replaced.set(base.reference, { by: draft, how });
    }
  }
  const resulting = [...baseline.filter((m) => !replaced.has(m.reference)), ...s.draftOrders];
  return { baseline, completed, drafts: s.draftOrders, replaced, resulting };
}

/** A dose total over orders: the sum, or the orders whose dose could not be read. */
export type DoseTotal =
  | { readonly known: true; readonly total: number }
  | { readonly known: false; readonly unknown: readonly MedicationFact[] };

/** Sums `value` over the orders; unknown when any order's value is unknown. */
export function totalOf(
  orders: readonly MedicationFact[],
  value: (m: MedicationFact) => number | undefined,
): DoseTotal {
  let total = 0;
  const unknown: MedicationFact[] = [];
  for (const m of orders) {
    const v = value(m);
    if (v === undefined) unknown.push(m);
    else total += v;
  }
  return unknown.length ? { known: false, unknown } : { known: true, total: Math.round(total * 1000) / 1000 };
}
