/**
 * The override analytics as the admin route and `npm run report` present
 * them: the period, then one row per rule.
 */
import { ValidationError } from '../protocol/errors.js';
import type { FeedbackSummary } from '../store/types.js';

/** A `since` value that is not a date (→ 400 naming `since`). */
export class SinceError extends ValidationError {
  constructor(message: string) {
    super('since', message);
  }
}

/**
 * Parses `since`: a date (`2026-10-01`, midnight UTC) or an ISO 8601
 * date-time with a zone (`2026-10-01T08:00:00+02:00`). Undefined → all time.
 */
export function parseSince(value: string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(`${value}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? new Date(value)
      : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new SinceError('must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone');
  }
  return date;
}

/** The JSON body of `GET /admin/feedback-summary`. */
export function summaryBody(summary: FeedbackSummary, generatedAt: Date): object {
  return {
    since: summary.since ? summary.since.toISOString() : null,
    generatedAt: generatedAt.toISOString(),
    rules: summary.rules,
    unmatchedFeedback: summary.unmatchedFeedback,
  };
}

const NO_REASON = '(no reason)';

/** The summary as a plain-text table for a terminal. */
export function summaryTable(summary: FeedbackSummary): string {
  const header = [
    'rule',
    'issued',
    'accepted',
    'overridden',
    'no response',
    'acceptance',
    'override reasons',
  ];
  const rows = summary.rules.map((r) => [
    r.ruleId,
    String(r.issued),
    String(r.accepted),
    String(r.overridden),
    String(r.noResponse),
    r.acceptanceRate === null ? '-' : `${(r.acceptanceRate * 100).toFixed(1)} %`,
    r.overrideReasons.map((o) => `${o.code ?? NO_REASON} ${o.count}`).join(', ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = (i: number): boolean => i >= 1 && i <= 5;
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const period = summary.since ? `cards issued since ${summary.since.toISOString()}` : 'all cards issued';
  const out = [`Override analytics: ${period}`, '', line(header), line(widths.map((w) => '-'.repeat(w)))];
  if (rows.length === 0) out.push('(no cards issued in this period)');
  else for (const row of rows) out.push(line(row));
  if (summary.unmatchedFeedback > 0) {
    out.push('', `${summary.unmatchedFeedback} feedback entries for cards not in the card log`);
  }
  return `${out.join('\n')}\n`;
}
