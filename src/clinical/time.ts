/**
 * Time helpers shared by the clinical modules. Every "now" is passed in, so the
 * snapshot and the rules are pure and testable against a fixed clock.
 */
import type { Observation } from 'fhir/r4.js';
import { LRUCache } from 'lru-cache';

/** Result statuses that count: only final, amended or corrected results (catalog policy, docs/clinical.md). */
const USABLE_RESULT_STATUS = new Set(['final', 'amended', 'corrected']);

/** True when an Observation status is one the rules may read. */
export function isUsableStatus(status: string | undefined): boolean {
  return status !== undefined && USABLE_RESULT_STATUS.has(status);
}

/** Parses a FHIR date, dateTime or instant to epoch ms; undefined when unparseable. */
export function parseFhirTime(value: string | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  // The same date-times are read by several fact readers per call: a bounded memo of a pure function.
  const known = parsedTimes.get(value);
  if (known !== undefined) return known.time;
  const time = parseTime(value);
  if (value.length <= 64) parsedTimes.set(value, { time });
  return time;
}

/** Date-times already parsed, the least recently used dropped first. */
const parsedTimes = new LRUCache<string, { readonly time: number | undefined }>({ max: 10_000 });

function parseTime(value: string): number | undefined {
  // A FHIR dateTime is at most 35 characters; anything much longer is not one (and is not run through a regex).
  if (value.length > 64) return undefined;
  if (!/^\d{4}(-\d{2}(-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?$/.test(value)) return undefined;
  const t = Date.parse(value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value);
  return Number.isNaN(t) ? undefined : t;
}

/** The clinically relevant time of an observation: effective[x], else issued. */
export function observationTime(obs: Observation): { effective: string; time: number } | undefined {
  const effective = obs.effectiveDateTime ?? obs.effectiveInstant ?? obs.effectivePeriod?.start ?? obs.issued;
  const time = parseFhirTime(effective);
  return typeof effective === 'string' && time !== undefined ? { effective, time } : undefined;
}

/** The same instant `months` calendar months earlier (UTC). */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
}

/** Whole days between two instants (b - a), rounded down. */
export function daysBetween(a: number, b: number): number {
  return Math.floor((b - a) / 86_400_000);
}

/** The date part (YYYY-MM-DD) of a FHIR date/time as recorded, for display. */
export function displayDate(value: string): string {
  return value.slice(0, 10);
}
