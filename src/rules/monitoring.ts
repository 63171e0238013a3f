/**
 * Monitoring: reassess with the IRLS 4-6 weeks after an RLS therapy starts
 * (clinical guidance; the catalog's 4-12 weeks yields to it, docs/clinical.md).
 */
import { REASSESS_IRLS_WEEKS } from '../knowledge/thresholds.js';
import { daysBetween, displayDate } from '../clinical/time.js';
import { ofClass, therapyName } from './focus.js';
import type { Rule } from './types.js';

const RLS_THERAPY = ofClass('opioid', 'alpha2delta');

/**
 * `reassess-irls`: a therapy started 4-12 weeks ago and no IRLS score since. An
 * opioid or alpha-2-delta ligand counts while current (active, or a completed
 * order still current); an IV iron dose counts
 * whatever its order status (an infusion order is usually completed once given).
 */
export const reassessIrls: Rule = {
  id: 'reassess-irls',
  hooks: ['patient-view'],
  about: {
    firesWhen:
      'a current opioid or alpha-2-delta ligand (active, or a completed order still current), or an IV iron dose of any order status (a completed infusion order counts), started **4-6 weeks** ago and no IRLS score since',
    indicator: 'info',
    suggests: 'none',
    basis: 'clinical guidance (AASM 2025 summary): IRLS at 4-6 weeks',
  },
  evaluate(s) {
    if (!s.rls) return undefined;
    const now = s.now.getTime();
    const inWindow = (start: number): boolean => {
      const days = daysBetween(start, now);
      return days >= REASSESS_IRLS_WEEKS.min * 7 && days <= REASSESS_IRLS_WEEKS.max * 7;
    };
    const noScoreSince = (start: number): boolean => !s.irlsScores.some((score) => score.time >= start);
    const lines: string[] = [];
    for (const m of s.currentTherapy) {
      if (!RLS_THERAPY(m) || m.startTime === undefined) continue;
      if (!inWindow(m.startTime) || !noScoreSince(m.startTime)) continue;
      lines.push(
        `${therapyName(s, m)}: started ${displayDate(m.start ?? '')}, ${Math.floor(daysBetween(m.startTime, now) / 7)} weeks ago`,
      );
    }
    const iron = s.latestIvIron;
    if (iron && inWindow(iron.time) && noScoreSince(iron.time)) {
      lines.push(
        `IV iron ${iron.display} (${iron.reference}, ${iron.status}): given ${displayDate(iron.date)}, ${Math.floor(daysBetween(iron.time, now) / 7)} weeks ago`,
      );
    }
    if (lines.length === 0) return undefined;
    const last = s.irlsScores[s.irlsScores.length - 1];
    return {
      ruleId: 'reassess-irls',
      indicator: 'info',
      values: {},
      evidence: [
        ...lines,
        last
          ? `last IRLS score: ${last.value} on ${displayDate(last.effective)}, before the therapy started`
          : 'no IRLS score on record',
      ],
      computed: [],
      missing: s.unavailable.filter((u) => /assessment|IRLS/i.test(u)),
      suggestions: [],
    };
  },
};

/** The monitoring rules. */
export const MONITORING_RULES: readonly Rule[] = [reassessIrls];
