/**
 * The fixture patients are written as of a fixed anchor date. The demo
 * server moves every date by the same number of days so that "ferritin two
 * weeks ago" stays two weeks ago whenever the demo runs. Tests use the
 * fixtures as written, with the clock set to the anchor.
 */

/** The date the fixture patients are written against (see fhir-fixtures/README.md). */
export const FIXTURE_ANCHOR = new Date('2026-11-01T12:00:00Z');

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?=$|T)/;

/** Whole days from the anchor to `today` (UTC). */
export function daysSinceAnchor(today: Date): number {
  return Math.floor((today.getTime() - FIXTURE_ANCHOR.getTime()) / 86_400_000);
}

function shiftDate(value: string, days: number): string {
  const m = DATE_PREFIX.exec(value);
  if (!m) return value;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10) + value.slice(10);
}

/** A deep copy of `value` with every date or dateTime string moved by `days`. */
export function shiftDates<T>(value: T, days: number): T {
  if (days === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return shiftDate(v, days);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}
