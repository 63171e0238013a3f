/**
 * Monitoring: reassess with the IRLS 4-12 weeks after an RLS therapy starts
 * (guideline summary: IRLS at 4-6 weeks; rule catalog window 4-12 weeks).
 */
import { REASSESS_IRLS_WEEKS } from '../clinical/thresholds.js';
import { daysBetween, displayDate } from '../clinical/time.js';
import { medication } from './describe.js';
import { ofClass } from './focus.js';
import type { Rule } from './types.js';

const RLS_THERAPY = ofClass('opioid', 'alpha2delta', 'iron-iv');

/** `reassess-irls`: a therapy started 4-12 weeks ago and no IRLS score since. */
export const reassessIrls: Rule = {
  id: 'reassess-irls',
  hooks: ['patient-view'],
  evaluate(s) {
    if (!s.rls) return undefined;
    const now = s.now.getTime();
    const started = s.activeMedications.filter((m) => {
      if (!RLS_THERAPY(m) || m.startTime === undefined) return false;
      const days = daysBetween(m.startTime, now);
      if (days < REASSESS_IRLS_WEEKS.min * 7 || days > REASSESS_IRLS_WEEKS.max * 7) return false;
      return !s.irlsScores.some((score) => score.time >= (m.startTime ?? 0));
    });
    if (started.length === 0) return undefined;
    const weeks = (m: (typeof started)[number]): number =>
      Math.floor(daysBetween(m.startTime ?? now, now) / 7);
    const last = s.irlsScores[s.irlsScores.length - 1];
    return {
      ruleId: 'reassess-irls',
      indicator: 'info',
      values: {},
      evidence: [
        ...started.map(
          (m) => `${medication(m)}: started ${displayDate(m.start ?? '')}, ${weeks(m)} weeks ago`,
        ),
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
