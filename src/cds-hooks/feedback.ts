/**
 * Feedback intake: a validated spec entry becomes the record the store keeps
 * (ids, codes, the clinician's comment and times). The store makes it
 * idempotent: the same card, outcome and outcome time is one report.
 */
import type { FeedbackRecord } from '../store/types.js';
import type { FeedbackEntry } from './request.js';

/** The record of one feedback entry for `serviceId`, received at `receivedAt`. */
export function toFeedbackRecord(serviceId: string, entry: FeedbackEntry, receivedAt: Date): FeedbackRecord {
  const reason = entry.overrideReason?.reason;
  const comment = entry.overrideReason?.userComment;
  return {
    serviceId,
    cardUuid: entry.card,
    outcome: entry.outcome,
    acceptedSuggestions: entry.acceptedSuggestions?.map((s) => s.id) ?? [],
    ...(reason?.code ? { overrideReasonCode: reason.code } : {}),
    ...(reason?.system ? { overrideReasonSystem: reason.system } : {}),
    ...(comment ? { overrideComment: comment } : {}),
    outcomeAt: new Date(entry.outcomeTimestamp),
    receivedAt,
  };
}
