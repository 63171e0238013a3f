/**
 * What the service keeps about its own behaviour: the card log and clinician
 * feedback. Identifiers, codes and times only; never a patient identifier
 * and never card text (the rule id stands for it).
 */

/**
 * The CDS client a card was issued to, or feedback came from: the verified
 * token's `iss` and `tenant` (`''` when the token has no tenant, and both
 * `''` when authentication is off).
 */
export interface ClientKey {
  readonly iss: string;
  readonly tenant: string;
}

/** The client of unauthenticated calls (authentication off, outside production). */
export const NO_CLIENT: ClientKey = { iss: '', tenant: '' };

/** One card as issued. */
export interface CardLogEntry {
  readonly cardUuid: string;
  readonly serviceId: string;
  readonly ruleId: string;
  readonly indicator: string;
  readonly hookInstance: string;
  /** Who received the card: only this client may send feedback on it. */
  readonly client: ClientKey;
  readonly issuedAt: Date;
  /** HMAC of the patient id (never the id itself); absent for cards logged without it. */
  readonly patientHash?: string;
  /** HMAC of the facts the rule used. */
  readonly factsHash?: string;
  /** HMAC of the ordering session (clinician and encounter). */
  readonly sessionHash?: string;
}

/** A card held back because of earlier feedback on the same finding. */
export interface SuppressedCardEntry {
  /** The uuid the card would have had (not sent to the EHR). */
  readonly cardUuid: string;
  readonly serviceId: string;
  readonly ruleId: string;
  readonly indicator: string;
  readonly client: ClientKey;
  /** The earlier card whose feedback holds this one back. */
  readonly byCardUuid: string;
  readonly outcome: 'accepted' | 'overridden';
  readonly suppressedAt: Date;
}

/** What a client's clinicians did with an earlier card for the same patient. */
export interface FindingMemory {
  readonly cardUuid: string;
  readonly ruleId: string;
  readonly indicator: string;
  readonly factsHash: string;
  readonly sessionHash: string;
  readonly outcome: 'accepted' | 'overridden';
  readonly reasonCode?: string;
  readonly outcomeAt: Date;
  readonly receivedAt: Date;
}

/** One row of the governance report: one rule, one UTC day, one outcome and reason. */
export interface DailyOutcome {
  readonly ruleId: string;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  /** `issued` counts every card issued that day; the others count by the card's latest feedback. */
  readonly kind: 'issued' | 'accepted' | 'overridden' | 'suppressed';
  /** The override reason code (`overridden` only; null when none was given). */
  readonly reasonCode: string | null;
  readonly count: number;
}

/** One feedback entry as received from the EHR. */
export interface FeedbackRecord {
  readonly serviceId: string;
  readonly cardUuid: string;
  /** Who sent it; it counts only for a card issued to the same client. */
  readonly client: ClientKey;
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

/** Raised when feedback names a card that the log shows was issued to another client. */
export class ForeignCardError extends Error {
  constructor(
    /** Index of the first offending entry in the batch. */
    readonly index: number,
  ) {
    super(`feedback entry ${index} names a card that was not issued to this client`);
    this.name = 'ForeignCardError';
  }
}

/** Rows deleted by one retention run. */
export interface PurgeResult {
  readonly cards: number;
  readonly feedback: number;
  readonly suppressed: number;
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
  /**
   * Stores feedback idempotently; returns only the entries that were new.
   * Rejects with {@link ForeignCardError}, storing nothing, when an entry
   * names a logged card that was issued to a client other than the entry's.
   */
  recordFeedback(entries: readonly FeedbackRecord[]): Promise<RecordedFeedback[]>;
  /**
   * Deletes card-log entries issued before `cutoff`, and feedback received
   * before it or about those cards.
   */
  purgeOlderThan(cutoff: Date): Promise<PurgeResult>;
  /** Per-rule counts for cards issued at or after `since` (all time when null). */
  feedbackSummary(since: Date | null): Promise<FeedbackSummary>;
  /** Logs cards held back by suppression; a card uuid already logged is ignored. */
  recordSuppressed(entries: readonly SuppressedCardEntry[]): Promise<void>;
  /**
   * The feedback of `client` on earlier cards of these rules for the patient
   * with this keyed hash, each with its card's facts and session hashes.
   */
  findingMemory(client: ClientKey, patientHash: string, ruleIds: readonly string[]): Promise<FindingMemory[]>;
  /** Per rule and UTC day in [from, to): cards issued, accepted, overridden by reason, and suppressed. */
  dailyOutcomes(from: Date, to: Date): Promise<DailyOutcome[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes connections; further calls fail. */
  close(): Promise<void>;
}
