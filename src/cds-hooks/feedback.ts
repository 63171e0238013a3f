/**
 * Feedback intake. Until a store exists, entries are logged (ids and codes
 * only) once each: a duplicate entry is acknowledged but not counted again.
 */
import type { FeedbackEntry } from './request.js';

/** A bounded memory of feedback entries already seen, oldest forgotten first. */
export class FeedbackDeduplicator {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** The identity of an entry: the same card, outcome and time is the same report. */
  static key(serviceId: string, entry: FeedbackEntry): string {
    return `${serviceId}|${entry.card}|${entry.outcome}|${entry.outcomeTimestamp}`;
  }

  /** Returns true the first time a key is offered, false for a duplicate. */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
