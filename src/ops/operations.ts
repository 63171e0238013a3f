/**
 * The operational side of one app instance, built once and injected:
 * the store, the card-log write queue, metrics, readiness checks and the
 * shutdown flag. The hook and feedback routes report through here.
 */
import type { Card } from '../protocol/types.js';
import type { FhirRequestEvent } from '../fhir/client.js';
import type { Logger } from '../logger.js';
import { memoryStore } from '../store/open.js';
import type { CardLogEntry, ClientKey, OpsStore, SuppressedCardEntry } from '../store/types.js';
import type { Suppression } from '../suppression/policy.js';
import { WriteQueue } from '../store/write-queue.js';
import type { ReadinessCheck } from './health.js';
import { type Metrics, createMetrics } from './metrics.js';

/** What the app reports to. */
export interface Operations {
  readonly store: OpsStore;
  /** Card-log writes, off the response path. */
  readonly cardLog: WriteQueue<CardLogEntry>;
  /** Writes of the cards held back by suppression, off the response path. */
  readonly suppressedLog: WriteQueue<SuppressedCardEntry>;
  readonly metrics: Metrics;
  /** Checks behind `/readyz` besides the card templates (store first). */
  readonly readiness: readonly ReadinessCheck[];
  /** Set when shutdown begins: `/readyz` then answers 503. */
  readonly lifecycle: { draining: boolean };
}

/** Options of {@link createOperations}. */
export interface OperationsOptions {
  readonly logger: Logger;
  /** Default: a throwaway in-memory SQLite store. */
  readonly store?: OpsStore;
  readonly metrics?: Metrics;
  /** Card-log entries held at most while the store is slow or down. */
  readonly queueMax?: number;
  /** More readiness checks (e.g. Redis). */
  readonly readiness?: readonly ReadinessCheck[];
  /** Back-off before retrying a failed card-log write (tests shorten it). */
  readonly retryDelayMs?: (attempt: number) => number;
}

/** Error name and code only: driver messages can carry hosts, users or values. */
export function errorSummary(error: unknown): { name?: string; code?: string } {
  const e = error as { name?: unknown; code?: unknown };
  return {
    ...(typeof e?.name === 'string' ? { name: e.name } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/** Builds the operations bundle; the card-log queue writes to `store` in the background. */
export function createOperations(options: OperationsOptions): Operations {
  const { logger } = options;
  const store = options.store ?? memoryStore();
  const metrics = options.metrics ?? createMetrics();
  const cardLog = new WriteQueue<CardLogEntry>({
    write: (batch) => store.recordCards(batch),
    maxEntries: options.queueMax ?? 10_000,
    ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    onWriteError: (error, entries) => {
      metrics.storeFailures.inc({ operation: 'card_log', reason: 'error' });
      logger.error({ err: errorSummary(error), entries }, 'card log: store write failed; will retry');
    },
    onDrop: (entries) => {
      metrics.storeFailures.inc({ operation: 'card_log', reason: 'queue_full' }, entries);
      logger.error({ entries }, 'card log: queue full; entries dropped');
    },
  });
  const suppressedLog = new WriteQueue<SuppressedCardEntry>({
    write: (batch) => store.recordSuppressed(batch),
    maxEntries: options.queueMax ?? 10_000,
    ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    onWriteError: (error, entries) => {
      metrics.storeFailures.inc({ operation: 'suppressed_log', reason: 'error' });
      logger.error(
        { err: errorSummary(error), entries },
        'suppressed-card log: store write failed; will retry',
      );
    },
    onDrop: (entries) => {
      metrics.storeFailures.inc({ operation: 'suppressed_log', reason: 'queue_full' }, entries);
      logger.error({ entries }, 'suppressed-card log: queue full; entries dropped');
    },
  });
  return {
    store,
    cardLog,
    suppressedLog,
    metrics,
    readiness: [{ name: 'store', check: () => store.ping() }, ...(options.readiness ?? [])],
    lifecycle: { draining: false },
  };
}

/** The FHIR-request observer that feeds the FHIR metrics. */
export function fhirRequestObserver(metrics: Metrics): (event: FhirRequestEvent) => void {
  return ({ outcome, seconds }) => {
    metrics.fhirRequests.inc({ outcome });
    metrics.fhirDuration.observe({ outcome }, seconds);
  };
}

/** Longest hook instance kept in the card log and logs (a UUID is 36). */
const MAX_HOOK_INSTANCE = 100;

/** Who and what one call's cards were about, as the card log keeps it. */
export interface IssuedCall {
  readonly serviceId: string;
  readonly hookInstance: string;
  /** The client that received the cards: only it may send feedback on them. */
  readonly client: ClientKey;
  /** Keyed hash of the patient id. */
  readonly patientHash?: string;
  /** Keyed hash of the ordering session. */
  readonly sessionHash?: string;
}

/** Counts the cards and queues them for the card log (never waits, never throws). */
export function recordIssuedCards(
  ops: Operations,
  call: IssuedCall,
  cards: readonly { readonly card: Card; readonly factsHash?: string }[],
  issuedAt: Date,
): void {
  for (const { card } of cards)
    ops.metrics.cards.inc({ rule: card.source.topic.code, indicator: card.indicator });
  ops.cardLog.push(
    cards.map(({ card, factsHash }) => ({
      cardUuid: card.uuid,
      serviceId: call.serviceId,
      ruleId: card.source.topic.code,
      indicator: card.indicator,
      hookInstance: call.hookInstance.slice(0, MAX_HOOK_INSTANCE),
      client: call.client,
      issuedAt,
      ...(call.patientHash ? { patientHash: call.patientHash } : {}),
      ...(factsHash ? { factsHash } : {}),
      ...(call.sessionHash ? { sessionHash: call.sessionHash } : {}),
    })),
  );
}

/** Counts the cards held back and queues them for the governance log (never waits, never throws). */
export function recordSuppressedCards(
  ops: Operations,
  call: IssuedCall,
  held: readonly { readonly card: Card; readonly suppression: Suppression }[],
  at: Date,
): void {
  for (const { card } of held) ops.metrics.cardsSuppressed.inc({ rule: card.source.topic.code });
  ops.suppressedLog.push(
    held.map(({ card, suppression }) => ({
      cardUuid: card.uuid,
      serviceId: call.serviceId,
      ruleId: card.source.topic.code,
      indicator: card.indicator,
      client: call.client,
      byCardUuid: suppression.byCardUuid,
      outcome: suppression.outcome,
      suppressedAt: at,
    })),
  );
}

/** Cards per rule id, for the log line: `{ "iron-not-optimized": 1 }`. */
export function cardsByRule(ruleIds: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ruleIds) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}
