/**
 * The suppression policy, without I/O: given a card about to be shown and
 * what the clinicians of the same client did with earlier cards of the same
 * rule for the same patient, is it held back, and why?
 *
 * - Only the same finding counts: same rule and the same facts fingerprint.
 *   New facts (a new lab value, another dose, another draft) show the card.
 * - The clinician's latest feedback on that finding decides.
 * - `accepted`: held back until the facts change (the suggestion was taken).
 * - `overridden`: held back for the indicator's bound (info 90 days,
 *   warning 30 days by default), unless the reason is one the rule's
 *   template lists under `doNotSuppress`.
 * - critical: held back only in the ordering session it was answered in
 *   (same clinician and encounter) and at most `criticalHours`, whatever
 *   the outcome.
 * - Bounds run from the earlier of the EHR's outcome time and the time the
 *   feedback was received, so an EHR clock in the future cannot stretch them.
 */
import type { Indicator } from '../protocol/types.js';
import type { FindingMemory } from '../store/types.js';

/** The suppression settings. */
export interface SuppressionSettings {
  /** Off: every card is shown (feedback is still stored). */
  readonly enabled: boolean;
  readonly infoDays: number;
  readonly warningDays: number;
  readonly criticalHours: number;
}

/** The defaults: info 90 days, warning 30 days, critical 24 hours within one ordering session. */
export const DEFAULT_SUPPRESSION: SuppressionSettings = {
  enabled: true,
  infoDays: 90,
  warningDays: 30,
  criticalHours: 24,
};

const HOUR_MS = 3_600_000;

/** A card about to be shown, as the policy sees it. */
export interface Candidate {
  readonly ruleId: string;
  readonly indicator: Indicator;
  readonly factsHash: string;
  readonly sessionHash: string;
}

/** Why a card is held back. */
export interface Suppression {
  readonly ruleId: string;
  readonly indicator: Indicator;
  readonly outcome: 'accepted' | 'overridden';
  /** When the clinician answered (the earlier of outcome time and receipt). */
  readonly answeredAt: Date;
  readonly reasonCode?: string;
  /** The card whose feedback holds this one back. */
  readonly byCardUuid: string;
  /** When the suppression ends; absent for `accepted` (until the facts change). */
  readonly until?: Date;
}

/** How long an override of this indicator holds a card back (ms). */
export function overrideBoundMs(indicator: Indicator, settings: SuppressionSettings): number {
  if (indicator === 'critical') return settings.criticalHours * HOUR_MS;
  return (indicator === 'info' ? settings.infoDays : settings.warningDays) * 24 * HOUR_MS;
}

/**
 * Decides one candidate. `memories` are the feedback entries (with their
 * cards) of the same client and patient; `doNotSuppress` the override
 * reason codes of the rule that never hold its card back.
 */
export function decide(
  candidate: Candidate,
  memories: readonly FindingMemory[],
  now: Date,
  settings: SuppressionSettings,
  doNotSuppress: ReadonlySet<string>,
): Suppression | undefined {
  if (!settings.enabled) return undefined;
  const critical = candidate.indicator === 'critical';
  const same = memories
    .filter((m) => m.ruleId === candidate.ruleId && m.factsHash === candidate.factsHash)
    .filter((m) => !critical || m.sessionHash === candidate.sessionHash)
    .map((m) => ({ m, at: Math.min(m.outcomeAt.getTime(), m.receivedAt.getTime()) }))
    .sort((a, b) => b.at - a.at || b.m.receivedAt.getTime() - a.m.receivedAt.getTime());
  const latest = same[0];
  if (!latest) return undefined;
  const { m, at } = latest;
  if (m.outcome === 'overridden' && m.reasonCode !== undefined && doNotSuppress.has(m.reasonCode)) {
    return undefined;
  }
  const bounded = critical || m.outcome === 'overridden';
  const until = bounded ? at + overrideBoundMs(candidate.indicator, settings) : undefined;
  if (until !== undefined && now.getTime() >= until) return undefined;
  return {
    ruleId: candidate.ruleId,
    indicator: candidate.indicator,
    outcome: m.outcome,
    answeredAt: new Date(at),
    ...(m.reasonCode !== undefined ? { reasonCode: m.reasonCode } : {}),
    byCardUuid: m.cardUuid,
    ...(until !== undefined ? { until: new Date(until) } : {}),
  };
}
