/**
 * Feedback intake: a validated spec entry becomes the record the store keeps
 * (ids, codes, the clinician's comment, the sending client and times). The
 * store makes it idempotent: the same card, outcome and outcome time is one
 * report. Batches and their fields are bounded before anything is stored.
 */
import type { ClientKey, FeedbackRecord } from '../store/types.js';
import type { FeedbackEntry } from './request.js';
import { TooCostlyError, ValidationError } from '../protocol/errors.js';

/** Bounds on one feedback request. */
export interface FeedbackLimits {
  /** Most entries in one request. */
  readonly maxEntries: number;
  /** Longest `overrideReason.userComment` (characters). */
  readonly maxCommentChars: number;
}

/** Longest card uuid accepted (this service issues 36-character UUIDs). */
export const MAX_CARD_ID_CHARS = 128;
/** Longest override reason code, suggestion id or reason system accepted. */
export const MAX_CODE_CHARS = 256;
/** Most accepted suggestions in one entry. */
export const MAX_ACCEPTED_SUGGESTIONS = 50;

/** A batch with more entries than allowed (→ 413). */
export class FeedbackBatchTooLargeError extends TooCostlyError {
  constructor(readonly maxEntries: number) {
    super(`feedback: at most ${maxEntries} entries per request`, 'feedback');
  }
}

/**
 * Refuses a body whose `feedback` array is longer than allowed, before the
 * entries are validated one by one.
 */
export function checkBatchSize(body: unknown, limits: FeedbackLimits): void {
  const list = (body as { feedback?: unknown } | null)?.feedback;
  if (Array.isArray(list) && list.length > limits.maxEntries) {
    throw new FeedbackBatchTooLargeError(limits.maxEntries);
  }
}

/** Checks the length bounds of validated entries; throws {@link ValidationError} naming the field. */
export function checkEntryBounds(entries: readonly FeedbackEntry[], limits: FeedbackLimits): void {
  const tooLong = (field: string, value: string | undefined, max: number): void => {
    if (value !== undefined && value.length > max) {
      throw new ValidationError(field, `must be at most ${max} characters`);
    }
  };
  entries.forEach((e, i) => {
    const at = `feedback.${i}`;
    tooLong(`${at}.card`, e.card, MAX_CARD_ID_CHARS);
    tooLong(`${at}.overrideReason.reason.code`, e.overrideReason?.reason?.code, MAX_CODE_CHARS);
    tooLong(`${at}.overrideReason.reason.system`, e.overrideReason?.reason?.system, MAX_CODE_CHARS);
    tooLong(`${at}.overrideReason.userComment`, e.overrideReason?.userComment, limits.maxCommentChars);
    const accepted = e.acceptedSuggestions ?? [];
    if (accepted.length > MAX_ACCEPTED_SUGGESTIONS) {
      throw new ValidationError(
        `${at}.acceptedSuggestions`,
        `must have at most ${MAX_ACCEPTED_SUGGESTIONS} entries`,
      );
    }
    accepted.forEach((s, j) => tooLong(`${at}.acceptedSuggestions.${j}.id`, s.id, MAX_CODE_CHARS));
  });
}

/** The record of one feedback entry for `serviceId` from `client`, received at `receivedAt`. */
export function toFeedbackRecord(
  serviceId: string,
  entry: FeedbackEntry,
  receivedAt: Date,
  client: ClientKey,
): FeedbackRecord {
  const reason = entry.overrideReason?.reason;
  const comment = entry.overrideReason?.userComment;
  return {
    serviceId,
    cardUuid: entry.card,
    client,
    outcome: entry.outcome,
    acceptedSuggestions: entry.acceptedSuggestions?.map((s) => s.id) ?? [],
    ...(reason?.code ? { overrideReasonCode: reason.code } : {}),
    ...(reason?.system ? { overrideReasonSystem: reason.system } : {}),
    ...(comment ? { overrideComment: comment } : {}),
    outcomeAt: new Date(entry.outcomeTimestamp),
    receivedAt,
  };
}
