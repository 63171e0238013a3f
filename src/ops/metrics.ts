/**
 * Prometheus metrics (prom-client), one registry per app so that tests and
 * several apps in one process never share counters; the default process
 * metrics are collected once per process and served with every app's own.
 * Label values come from fixed sets (service ids, rule ids, indicators,
 * outcomes), never from input.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** Hook call duration, labels service and status. */
  readonly hookDuration: Histogram<'service' | 'status'>;
  /** Cards issued, labels rule and indicator. */
  readonly cards: Counter<'rule' | 'indicator'>;
  /** Cards held back by suppression (earlier feedback on the same finding), label rule. */
  readonly cardsSuppressed: Counter<'rule'>;
  /** Fallback requests to FHIR servers, label outcome. */
  readonly fhirRequests: Counter<'outcome'>;
  /** Fallback request duration, label outcome. */
  readonly fhirDuration: Histogram<'outcome'>;
  /** Prefetch keys read only in part in hook calls, labels key and reason. */
  readonly partialKeys: Counter<'key' | 'reason'>;
  /** Feedback entries recorded (duplicates excluded), labels rule and outcome. */
  readonly feedback: Counter<'rule' | 'outcome'>;
  /** Failed store operations and dropped card-log entries, labels operation and reason. */
  readonly storeFailures: Counter<'operation' | 'reason'>;
}

let processRegistry: Registry | undefined;

/** The default process metrics (`process_*`, `nodejs_*`), collected once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Creates a registry with the service's metrics (the process metrics are added when served). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    hookDuration: new Histogram({
      name: 'cds_hook_duration_seconds',
      help: 'Duration of CDS Hooks service calls, from request to response.',
      labelNames: ['service', 'status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cards: new Counter({
      name: 'cds_cards_total',
      help: 'Cards returned to EHRs.',
      labelNames: ['rule', 'indicator'],
      registers,
    }),
    cardsSuppressed: new Counter({
      name: 'cds_cards_suppressed_total',
      help: 'Cards not returned because the same finding was overridden or accepted earlier (suppression).',
      labelNames: ['rule'],
      registers,
    }),
    fhirRequests: new Counter({
      name: 'cds_fhir_requests_total',
      help: 'HTTP requests to EHR FHIR servers for data missing from prefetch.',
      labelNames: ['outcome'],
      registers,
    }),
    fhirDuration: new Histogram({
      name: 'cds_fhir_request_duration_seconds',
      help: 'Duration of HTTP requests to EHR FHIR servers.',
      labelNames: ['outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    partialKeys: new Counter({
      name: 'cds_partial_keys_total',
      help: 'Prefetch keys read only in part in hook calls (page limit, data budget, a later page failed).',
      labelNames: ['key', 'reason'],
      registers,
    }),
    feedback: new Counter({
      name: 'cds_feedback_total',
      help: 'Feedback entries recorded (a duplicate entry is not counted).',
      labelNames: ['rule', 'outcome'],
      registers,
    }),
    storeFailures: new Counter({
      name: 'cds_store_failures_total',
      help: 'Card-log and feedback store failures: failed writes or reads, and card-log entries dropped.',
      labelNames: ['operation', 'reason'],
      registers,
    }),
  };
}

/**
 * `cds_replay_cache_full_total`: tokens refused (503) because the in-memory
 * replay cache was full of unexpired ids, read from `refusals` at each scrape.
 */
export function registerReplayCacheMetric(metrics: Metrics, refusals: () => number): void {
  // Two apps sharing one registry (tests) register it once.
  if (metrics.registry.getSingleMetric('cds_replay_cache_full_total')) return;
  let counted = 0;
  new Counter({
    name: 'cds_replay_cache_full_total',
    help: 'Authenticated calls refused (503) because the in-memory replay cache was full of unexpired token ids.',
    registers: [metrics.registry],
    collect() {
      const total = refusals();
      if (total > counted) this.inc(total - counted);
      counted = total;
    },
  });
}

/** `GET /metrics` in the Prometheus text format. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(`${await processMetrics().metrics()}\n${await metrics.registry.metrics()}`);
  };
}

/**
 * Route middleware that times a hook call into `cds_hook_duration_seconds`,
 * from before authentication to the response. Unknown service ids are
 * labelled `unknown` so that callers cannot create label values.
 */
export function hookTimer(metrics: Metrics, isService: (id: string) => boolean): RequestHandler {
  return (req, res, next) => {
    const id = req.params.id;
    const service = typeof id === 'string' && isService(id) ? id : 'unknown';
    const stop = metrics.hookDuration.startTimer({ service });
    res.once('finish', () => stop({ status: String(res.statusCode) }));
    next();
  };
}
