/**
 * The CDS Hooks routes: discovery, the hook calls and feedback, and the one
 * mapping from the errors they raise to OperationOutcome answers (used by
 * every router that takes hook requests, the EHR simulator's included).
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import { callerOf, fhirServerProblem } from '../auth/index.js';
import type { CardTemplate } from '../cards/templates.js';
import type { Config } from '../config.js';
import { PrefetchShapeError } from '../fhir/gather.js';
import type { Logger } from '../logger.js';
import {
  type Operations,
  cardsByRule,
  errorSummary,
  fhirRequestObserver,
  recordIssuedCards,
  recordSuppressedCards,
} from '../ops/operations.js';
import { hookTimer } from '../ops/metrics.js';
import { setLogFields } from '../ops/request-log.js';
import { outcome } from '../protocol/errors.js';
import { type ClientKey, ForeignCardError, NO_CLIENT } from '../store/types.js';
import { type SuppressionDeps, applySuppression } from '../suppression/apply.js';
import { suppressionDisabled, suppressionNotice } from '../suppression/extension.js';
import type { KeyedHasher } from '../suppression/keys.js';
import {
  FeedbackBatchTooLargeError,
  checkBatchSize,
  checkEntryBounds,
  toFeedbackRecord,
} from './feedback.js';
import { handleHook } from './handler.js';
import { ValidationError, parseFeedback, parseHookRequest } from './request.js';
import { SERVICES, discoveryEntry, findService } from './services.js';

/** Media types read as JSON request bodies. */
export const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

/** A call to a service id that does not exist. */
export class UnknownServiceError extends Error {
  constructor(readonly id: string) {
    super(`no CDS service with id "${id}"`);
    this.name = 'UnknownServiceError';
  }
}

/** The answer to an error a route raises on purpose; `field` names the offending part of the request. */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: OperationOutcome;
  readonly field?: string;
}

/**
 * The one mapping from the typed errors of request handling to OperationOutcome answers: 400 naming
 * the field, 403 for feedback on another client's card, 404 for an unknown service, 413 for an oversized
 * feedback batch. Undefined for any other error (a 500 without internals, from the app's error handler).
 */
export function errorResponse(error: unknown): ErrorAnswer | undefined {
  if (error instanceof ValidationError || error instanceof PrefetchShapeError)
    return { status: 400, body: outcome('invalid', error.message, error.field), field: error.field };
  if (error instanceof UnknownServiceError) return { status: 404, body: outcome('not-found', error.message) };
  if (error instanceof FeedbackBatchTooLargeError)
    return { status: 413, body: outcome('too-costly', error.message, 'feedback'), field: 'feedback' };
  if (error instanceof ForeignCardError) {
    const field = `feedback.${error.index}.card`;
    return {
      status: 403,
      body: outcome(
        'forbidden',
        `${field}: was not issued to this client; nothing in this request was stored`,
        field,
      ),
      field,
    };
  }
  return undefined;
}

/** Answers a known error (see {@link errorResponse}); false when `error` is not one, for the caller to rethrow. */
export function sendKnownError(res: Response, error: unknown): boolean {
  const known = errorResponse(error);
  if (!known) return false;
  res.status(known.status).json(known.body);
  return true;
}

/** What the CDS Hooks routes need. */
export interface CdsHooksDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly templates: ReadonlyMap<string, CardTemplate>;
  readonly now: () => Date;
  readonly ops: Operations;
  /** Authentication of CDS clients (a pass-through when authentication is off). */
  readonly authenticate: RequestHandler;
  readonly hasher: KeyedHasher;
}

/** The client of this call: the verified token's `iss` and `tenant`, or {@link NO_CLIENT} without authentication. */
function clientOf(res: Response): ClientKey {
  const caller = callerOf(res);
  return caller ? { iss: caller.iss, tenant: caller.tenant ?? '' } : NO_CLIENT;
}

/** The routes under /cds-services: discovery, `POST /cds-services/{id}` and its feedback. */
export function cdsHooksRouter(deps: CdsHooksDeps): Router {
  const { config, logger, templates, now, ops, authenticate, hasher } = deps;
  const onFhirRequest = fhirRequestObserver(ops.metrics);
  const router = express.Router();

  router.get('/cds-services', authenticate, (_req, res) => {
    res.json({ services: SERVICES.map(discoveryEntry) });
  });

  const json = express.json({ limit: config.maxRequestBytes, type: JSON_TYPES, strict: true });

  const suppressionDeps: SuppressionDeps = {
    settings: config.suppression,
    lookupTimeoutMs: config.suppression.lookupTimeoutMs,
    hasher,
    store: ops.store,
    templates,
    onLookupFailure: (reason, error) => {
      ops.metrics.storeFailures.inc({ operation: 'suppression_lookup', reason });
      logger.error(
        { reason, ...(error ? { err: errorSummary(error) } : {}) },
        'suppression: store lookup failed; every card shown',
      );
    },
  };

  const timeHook = hookTimer(ops.metrics, (id) => findService(id) !== undefined);
  router.post(
    '/cds-services/:id',
    timeHook,
    authenticate,
    json,
    async (req: Request<{ id: string }>, res: Response) => {
      const service = findService(req.params.id);
      if (!service) {
        sendKnownError(res, new UnknownServiceError(req.params.id));
        return;
      }
      let hookInstance: string | undefined;
      try {
        const request = parseHookRequest(req.body, service.hook);
        hookInstance = request.hookInstance.slice(0, 100);
        const fhirServerRefused = request.fhirServer
          ? fhirServerProblem(request.fhirServer, config.production, callerOf(res)?.client)
          : undefined;
        if (fhirServerRefused) throw new ValidationError('fhirServer', fhirServerRefused);
        const showEveryCard = suppressionDisabled(req.body);
        const result = await handleHook(service, request, {
          templates,
          baseUrl: config.publicUrl,
          fhirTimeoutMs: config.fhirTimeoutMs,
          fhirMaxPages: config.fhirMaxPages,
          fhirPageSize: config.fhirPageSize,
          fhirMaxResponseBytes: config.fhirMaxResponseBytes,
          fhirCallMaxBytes: config.fhirCallMaxBytes,
          now,
          onFhirRequest,
          onRuleError: (rule) =>
            logger.warn({ service: service.id, rule }, 'rule could not be evaluated and was skipped'),
        });
        if (result.kind === 'missing-data') {
          setLogFields(
            res,
            {
              hookInstance,
              service: service.id,
              missing: result.missing.map((m) => m.key),
              fhirRequests: result.fhirRequests,
              ...(request.deviations.length > 0 ? { deviations: request.deviations } : {}),
            },
            'hook call: required data missing',
          );
          res.status(412).json({
            resourceType: 'OperationOutcome',
            issue: result.missing.map((m) => ({
              severity: 'error',
              code: 'not-found',
              diagnostics: `Required data could not be obtained: ${m.description} (prefetch key "${m.key}", template ${m.template}): ${m.reason}.`,
              expression: [`prefetch.${m.key}`],
            })),
          });
          return;
        }
        const client = clientOf(res);
        const answeredAt = now();
        for (const p of result.partial) ops.metrics.partialKeys.inc({ key: p.key, reason: p.reason });
        const split = await applySuppression(
          {
            cards: result.cards,
            findings: result.findings,
            client,
            patientId: request.patientId,
            // Without a userId (a tolerated deviation) the ordering session is the encounter alone.
            userId: request.userId ?? '',
            ...(request.contextTokens.encounterId ? { encounterId: request.contextTokens.encounterId } : {}),
            disabled: showEveryCard,
            now: answeredAt,
          },
          suppressionDeps,
        );
        const shownRules = split.shown.map(({ card }) => card.source.topic.code);
        const heldRules = split.held.map(({ card }) => card.source.topic.code);
        setLogFields(
          res,
          {
            hookInstance,
            service: service.id,
            cards: cardsByRule(shownRules),
            ...(split.held.length > 0 ? { suppressed: cardsByRule(heldRules) } : {}),
            ...(showEveryCard ? { suppression: 'disabled by the request' } : {}),
            fhirRequests: result.fhirRequests,
            ...(result.partial.length > 0
              ? { partial: result.partial, partialKeys: result.partial.length }
              : {}),
            ...(request.deviations.length > 0 ? { deviations: request.deviations } : {}),
          },
          'hook call',
        );
        const extension = suppressionNotice(
          split.held.map((h) => h.suppression),
          (ruleId, code) => templates.get(ruleId)?.overrideReasons?.find((r) => r.code === code)?.display,
        );
        res.json({ cards: split.shown.map((s) => s.card), ...(extension ? { extension } : {}) });
        const call = {
          serviceId: service.id,
          hookInstance: request.hookInstance,
          client,
          patientHash: split.patientHash,
          sessionHash: split.sessionHash,
        };
        recordIssuedCards(ops, call, split.shown, answeredAt);
        recordSuppressedCards(ops, call, split.held, answeredAt);
      } catch (error) {
        const known = errorResponse(error);
        if (known) {
          setLogFields(res, { hookInstance, service: service.id, field: known.field }, 'hook call rejected');
          res.status(known.status).json(known.body);
          return;
        }
        throw error;
      }
    },
  );

  const feedbackJson = express.json({
    limit: Math.min(config.feedbackMaxBytes, config.maxRequestBytes),
    type: JSON_TYPES,
    strict: true,
  });
  const feedbackLimits = {
    maxEntries: config.feedbackMaxEntries,
    maxCommentChars: config.feedbackCommentMaxChars,
  };
  router.post(
    '/cds-services/:id/feedback',
    authenticate,
    feedbackJson,
    async (req: Request<{ id: string }>, res: Response) => {
      const service = findService(req.params.id);
      if (!service) {
        sendKnownError(res, new UnknownServiceError(req.params.id));
        return;
      }
      try {
        checkBatchSize(req.body, feedbackLimits);
        const entries = parseFeedback(req.body);
        checkEntryBounds(entries, feedbackLimits);
        const receivedAt = now();
        const client = clientOf(res);
        let recorded;
        try {
          recorded = await ops.store.recordFeedback(
            entries.map((e) => toFeedbackRecord(service.id, e, receivedAt, client)),
          );
        } catch (error) {
          if (error instanceof ForeignCardError) {
            // Only the client that received a card may report on it; nothing of the batch is stored.
            setLogFields(
              res,
              { service: service.id, received: entries.length, refused: `feedback.${error.index}.card` },
              'feedback refused: card issued to another client',
            );
            throw error;
          }
          // Not stored: say so, so that the EHR can send it again (a resend is never counted twice).
          ops.metrics.storeFailures.inc({ operation: 'feedback', reason: 'error' });
          logger.error({ err: errorSummary(error), service: service.id }, 'feedback: store write failed');
          setLogFields(res, { service: service.id, received: entries.length }, 'feedback not stored');
          res
            .status(503)
            .set('Retry-After', '30')
            .json(outcome('transient', 'feedback could not be stored; retry later'));
          return;
        }
        for (const r of recorded)
          ops.metrics.feedback.inc({ rule: r.ruleId ?? 'unknown', outcome: r.outcome });
        setLogFields(
          res,
          { service: service.id, received: entries.length, recorded: recorded.length },
          'feedback',
        );
        res.json({ received: entries.length, recorded: recorded.length });
      } catch (error) {
        if (sendKnownError(res, error)) return;
        throw error;
      }
    },
  );

  return router;
}
