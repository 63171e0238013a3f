/**
 * What the service keeps about its own behaviour: the card log and clinician
 * feedback. Identifiers, codes and times only; never a patient identifier
 * and never card text (the rule id stands for it).
 */

/** One card as issued. */
export interface CardLogEntry {
  readonly cardUuid: string;
  readonly serviceId: string;
  readonly ruleId: string;
  readonly indicator: string;
  readonly hookInstance: string;
  readonly issuedAt: Date;
}

/** One feedback entry as received from the EHR. */
export interface FeedbackRecord {
  readonly serviceId: string;
  readonly cardUuid: string;
  readonly outcome: 'accepted' | 'overridden';
  readonly acceptedSuggestions: readonly string[];
  readonly overrideReasonCode?: string;
  readonly overrideReasonSystem?: string;
  readonly overrideComment?: string;
  readonly outcomeAt: Date;
  readonly receivedAt: Date;
}

/** A feedback entry newly stored (not a duplicate), with the rule of its card when the card is logged. */
export interface RecordedFeedback {
  readonly cardUuid: string;
  readonly outcome: 'accepted' | 'overridden';
  /** The rule id from the card log; undefined when the card is not (yet) in the log. */
  readonly ruleId: string | undefined;
}

/** How cards of one rule fared. A card's outcome is its latest feedback. */
export interface RuleSummary {
  readonly ruleId: string;
  readonly issued: number;
  readonly accepted: number;
  readonly overridden: number;
  readonly noResponse: number;
  /** accepted / issued; null when nothing was issued. */
  readonly acceptanceRate: number | null;
  /** Override reason codes of overridden cards, most frequent first; `null` code: none given. */
  readonly overrideReasons: readonly { readonly code: string | null; readonly count: number }[];
}

/** The override analytics for cards issued at or after `since`. */
export interface FeedbackSummary {
  readonly since: Date | null;
  readonly rules: readonly RuleSummary[];
  /** Feedback entries received in the period for cards the log does not know. */
  readonly unmatchedFeedback: number;
}

/** The data access the service needs; one implementation per database behind one schema. */
export interface OpsStore {
  /** `sqlite` (embedded default) or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Appends issued cards; a card uuid already logged is ignored. */
  recordCards(entries: readonly CardLogEntry[]): Promise<void>;
  /** Stores feedback idempotently; returns only the entries that were new. */
  recordFeedback(entries: readonly FeedbackRecord[]): Promise<RecordedFeedback[]>;
  /** Per-rule counts for cards issued at or after `since` (all time when null). */
  feedbackSummary(since: Date | null): Promise<FeedbackSummary>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes connections; further calls fail. */
  close(): Promise<void>;
}
