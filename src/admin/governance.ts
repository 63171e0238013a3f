/**
 * The governance report behind `/admin/`: per rule and per week (Monday to
 * Sunday, UTC), cards issued, accepted, overridden (by reason) and held back
 * by suppression, for a range of dates, as JSON for the page and as CSV.
 *
 * A card is counted in the week it was issued, with its latest feedback (as
 * in the override analytics); a suppressed card in the week it was held back.
 */
import { ValidationError } from '../protocol/errors.js';
import type { DailyOutcome } from '../store/types.js';

const DAY_MS = 86_400_000;
/** The longest range one report covers. */
export const MAX_RANGE_DAYS = 731;
/** Weeks shown when no range is given. */
export const DEFAULT_WEEKS = 12;

/** A range that cannot be reported (→ 400 naming the parameter). */
export class ReportRangeError extends ValidationError {
  constructor(field: 'from' | 'to', message: string) {
    super(field, message);
  }
}

/** A date range, both ends included, as UTC dates. */
export interface DateRange {
  readonly from: string;
  readonly to: string;
}

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** The Monday (UTC) of the week a day falls in. */
export function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return isoDay(new Date(d.getTime() - sinceMonday * DAY_MS));
}

function parseDay(field: 'from' | 'to', value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new ReportRangeError(field, 'must be a date (YYYY-MM-DD), given once');
  }
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || isoDay(d) !== value)
    throw new ReportRangeError(field, 'is not a calendar date');
  return value;
}

/**
 * The range asked for: `from` and `to` (dates, both included). Defaults: `to`
 * today, `from` the Monday {@link DEFAULT_WEEKS} weeks back (this week included).
 */
export function parseRange(from: unknown, to: unknown, now: Date): DateRange {
  const end = parseDay('to', to) ?? isoDay(now);
  const start =
    parseDay('from', from) ??
    isoDay(new Date(new Date(`${weekOf(end)}T00:00:00Z`).getTime() - (DEFAULT_WEEKS - 1) * 7 * DAY_MS));
  if (start > end) throw new ReportRangeError('from', 'must not be after to');
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS)
    throw new ReportRangeError('from', `the range must be at most ${MAX_RANGE_DAYS} days`);
  return { from: start, to: end };
}

/** The store query bounds of a range: [from 00:00, day after to 00:00). */
export function rangeBounds(range: DateRange): { start: Date; end: Date } {
  return {
    start: new Date(`${range.from}T00:00:00Z`),
    end: new Date(Date.parse(`${range.to}T00:00:00Z`) + DAY_MS),
  };
}

/** Counts of one rule in one week (or in the whole range). */
export interface Counts {
  issued: number;
  accepted: number;
  overridden: number;
  suppressed: number;
  /** Override reason code → count; `(none)` when no reason was given. */
  overrideReasons: Record<string, number>;
}

/** The report of one rule. */
export interface RuleReport {
  readonly ruleId: string;
  readonly totals: Counts;
  /** One entry per week of the range, in order. */
  readonly weeks: readonly ({ readonly week: string } & Counts)[];
}

/** The body of `GET /admin/governance`. */
export interface GovernanceReport {
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  /** The Mondays of the weeks in the range. */
  readonly weeks: readonly string[];
  /** Rules with anything in the range, most overridden first. */
  readonly rules: readonly RuleReport[];
  /** Display text of override reason codes, per rule (from the card templates). */
  readonly reasonDisplays: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The code under which overrides without a reason are counted. */
export const NO_REASON = '(none)';

const empty = (): Counts => ({ issued: 0, accepted: 0, overridden: 0, suppressed: 0, overrideReasons: {} });

function add(counts: Counts, row: DailyOutcome): void {
  counts[row.kind] += row.count;
  if (row.kind === 'overridden') {
    const code = row.reasonCode ?? NO_REASON;
    counts.overrideReasons[code] = (counts.overrideReasons[code] ?? 0) + row.count;
  }
}

/** Builds the report from the store's daily rows. */
export function governanceReport(
  range: DateRange,
  rows: readonly DailyOutcome[],
  generatedAt: Date,
  reasonDisplays: Readonly<Record<string, Readonly<Record<string, string>>>>,
): GovernanceReport {
  const weeks: string[] = [];
  for (
    let w = Date.parse(`${weekOf(range.from)}T00:00:00Z`);
    w <= Date.parse(`${range.to}T00:00:00Z`);
    w += 7 * DAY_MS
  )
    weeks.push(isoDay(new Date(w)));
  const byRule = new Map<string, { totals: Counts; weeks: Map<string, Counts> }>();
  for (const row of rows) {
    let rule = byRule.get(row.ruleId);
    if (!rule) {
      rule = { totals: empty(), weeks: new Map(weeks.map((w) => [w, empty()])) };
      byRule.set(row.ruleId, rule);
    }
    add(rule.totals, row);
    const week = rule.weeks.get(weekOf(row.day));
    if (week) add(week, row);
  }
  const rules = [...byRule.entries()]
    .map(([ruleId, r]) => ({
      ruleId,
      totals: r.totals,
      weeks: weeks.map((week) => ({ week, ...(r.weeks.get(week) ?? empty()) })),
    }))
    .sort((a, b) => b.totals.overridden - a.totals.overridden || a.ruleId.localeCompare(b.ruleId));
  const displays: Record<string, Record<string, string>> = {};
  for (const r of rules) if (reasonDisplays[r.ruleId]) displays[r.ruleId] = { ...reasonDisplays[r.ruleId] };
  return {
    from: range.from,
    to: range.to,
    generatedAt: generatedAt.toISOString(),
    weeks,
    rules,
    reasonDisplays: displays,
  };
}

/**
 * One CSV cell, quoted when needed. Reason codes come from EHRs, but only
 * ever after `overridden:`, so no cell can start like a spreadsheet formula.
 */
const csvCell = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * The report as CSV: one row per rule, week and measure; override reasons as
 * measure `overridden:<code>`. Rows with a zero count are left out.
 */
export function governanceCsv(report: GovernanceReport): string {
  const lines = ['rule,week,measure,count'];
  for (const rule of report.rules) {
    for (const week of rule.weeks) {
      for (const measure of ['issued', 'accepted', 'overridden', 'suppressed'] as const) {
        if (week[measure] > 0)
          lines.push([rule.ruleId, week.week, measure, week[measure]].map(csvCell).join(','));
      }
      for (const [code, count] of Object.entries(week.overrideReasons).sort(([a], [b]) =>
        a.localeCompare(b),
      )) {
        lines.push([rule.ruleId, week.week, `overridden:${code}`, count].map(csvCell).join(','));
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
