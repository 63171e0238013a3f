/**
 * Plain-text descriptions of facts for a card's evidence lines: the patient's
 * values with dates and units, said the same way on every card.
 */
import type { LabFinding, LabValue } from '../clinical/labs.js';
import type { MedicationFact } from '../clinical/medications.js';
import { DOSE_METHOD_LABEL } from '../clinical/dose.js';
import { FERRITIN_PMOL_L_PER_NG_ML, LAB_FRESHNESS_MONTHS } from '../knowledge/thresholds.js';
import { displayDate } from '../clinical/time.js';

/** Rounds for display without trailing zeros (0.25, 75, 12.5). */
export function num(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** "ferritin 42 ng/mL on 2026-03-02" */
export function labValue(name: string, v: LabValue): string {
  return `${name} ${num(v.value)} ${v.unit} on ${displayDate(v.effective)}`;
}

/** The value as the summary shows it: "42 ng/mL" or "unknown". */
export function labShort(v: LabValue | undefined): string {
  return v ? `${num(v.value)} ${v.unit}` : 'unknown';
}

/** Evidence, computation and missing-data lines for one analyte. */
export function describeLab(
  name: string,
  finding: LabFinding,
): { evidence: string[]; computed: string[]; missing: string[] } {
  const evidence: string[] = [];
  const computed: string[] = [];
  const missing: string[] = [];
  const v = finding.latest;
  if (v) {
    evidence.push(labValue(name, v));
    if (v.reportedAs)
      computed.push(
        `${name} reported as ${v.reportedAs}, converted to ${num(v.value)} ${v.unit}${/pmol/i.test(v.reportedAs) ? ` (pmol/L ÷ ${FERRITIN_PMOL_L_PER_NG_ML})` : ''}`,
      );
    if (v.computedFrom) {
      const apart = v.computedFrom.minutesApart
        ? `, drawn ${v.computedFrom.minutesApart} minutes apart the same day`
        : '';
      computed.push(
        `${name} computed as serum iron ${v.computedFrom.iron} / TIBC ${v.computedFrom.tibc} × 100${apart} (no measured ${name} that day)`,
      );
    }
  } else if (finding.beforeIvIron) {
    missing.push(
      `${labValue(name, finding.beforeIvIron.value)} was drawn before ${finding.beforeIvIron.dose}: it no longer describes iron status`,
    );
  } else if (finding.stale) {
    missing.push(
      `no ${name} in the last ${LAB_FRESHNESS_MONTHS} months (last: ${labValue(name, finding.stale)}, too old to rely on)`,
    );
  } else {
    missing.push(`no ${name} on record`);
  }
  for (const reason of finding.ignored) missing.push(`not used: ${reason}`);
  return { evidence, computed, missing };
}

/** "cabergoline 0.5 mg tablet (MedicationRequest/123), 1 mg/day" */
export function medication(fact: MedicationFact): string {
  const dose = fact.dose.known
    ? `${num(fact.dose.mgPerDay)} mg/day`
    : `daily dose unknown (${fact.dose.reason})`;
  const text = fact.matchedByText ? ', recognised from its text (no RxNorm code matched)' : '';
  return `${fact.display}: ${dose}${text}`;
}

/**
 * How the daily dose of an order was read, for a card's "how values were
 * derived" section: "pramipexole 0.5 mg tablet: 0.5 mg/day, read from the
 * product strength and the sig text (...): 1 × 0.5 mg ..., at bedtime", or
 * that it could not be read and must be checked by hand.
 */
export function doseReading(fact: MedicationFact): string {
  return fact.dose.known
    ? `${fact.display}: ${num(fact.dose.mgPerDay)} mg/day ${DOSE_METHOD_LABEL[fact.dose.method]}: ${fact.dose.how}`
    : `${fact.display}: the daily dose could not be read (${fact.dose.reason}); check it by hand`;
}
