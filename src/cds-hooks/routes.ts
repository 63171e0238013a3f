/**
 * The CDS Hooks routes: discovery, the hook calls and feedback. Refusals are
 * thrown as the typed errors of src/protocol/errors.ts and answered by its
 * one mapping to OperationOutcome.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { callerOf, fhirServerProblem } from '../auth/index.js';
import type { CardTemplate } from '../cards/templates.js';
import type { Config } from '../config.js';
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
import {
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  errorResponse,
  sendAnswer,
  sendKnownError,
} from '../protocol/errors.js';
import { type ClientKey, ForeignCardError, NO_CLIENT } from '../store/types.js';
import { type SuppressionDeps, applySuppression } from '../suppression/apply.js';
import { suppressionDisabled, suppressionNotice } from '../suppression/extension.js';
import type { KeyedHasher } from '../suppression/keys.js';
import { checkBatchSize, checkEntryBounds, toFeedbackRecord } from './feedback.js';
import { handleHook } from './handler.js';
import { parseFeedback, parseHookRequest } from './request.js';
import { SERVICES, discoveryEntry, findService } from './services.js';

/** Media types read as JSON request bodies. */
export const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

/** A call to a service id that does not exist. */
export class UnknownServiceError extends NotFoundError {
  constructor(readonly id: string) {
    super(`no CDS service with id "${id}"`);
  }
}

/** Seconds an EHR is asked to wait before sending feedback the store could not take. */
const FEEDBACK_RETRY_AFTER_SECONDS = 30;

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
          sendAnswer(res, known);
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
            const field = `feedback.${error.index}.card`;
            setLogFields(
              res,
              { service: service.id, received: entries.length, refused: field },
              'feedback refused: card issued to another client',
            );
            throw new ForbiddenError(
              `${field}: was not issued to this client; nothing in this request was stored`,
              field,
            );
          }
          // Not stored: say so, so that the EHR can send it again (a resend is never counted twice).
          ops.metrics.storeFailures.inc({ operation: 'feedback', reason: 'error' });
          logger.error({ err: errorSummary(error), service: service.id }, 'feedback: store write failed');
          setLogFields(res, { service: service.id, received: entries.length }, 'feedback not stored');
          throw new UnavailableError(
            'feedback could not be stored; retry later',
            FEEDBACK_RETRY_AFTER_SECONDS,
          );
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
