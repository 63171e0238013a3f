/**
 * The express app: middleware and routes, nothing clinical. Every route
 * answers JSON; errors are OperationOutcomes without internals.
 */
import cors from 'cors';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import helmet from 'helmet';
import { type Auth, callerOf, fhirServerProblem } from './auth/index.js';
import type { CardTemplate } from './cards/templates.js';
import { outcome } from './cds-hooks/errors.js';
import { adminRouter } from './admin/router.js';
import {
  FeedbackBatchTooLargeError,
  checkBatchSize,
  checkEntryBounds,
  toFeedbackRecord,
} from './cds-hooks/feedback.js';
import { handleHook } from './cds-hooks/handler.js';
import { ValidationError, parseFeedback, parseHookRequest } from './cds-hooks/request.js';
import { SERVICES, discoveryEntry, findService } from './cds-hooks/services.js';
import type { Config } from './config.js';
import { demoFhirRouter } from './demo/fhir-server.js';
import type { FhirStore } from './demo/fhir-store.js';
import type { DemoIssuer } from './demo/issuer.js';
import { simulatorRouter } from './demo/simulator/router.js';
import { PrefetchShapeError } from './fhir/gather.js';
import type { Logger } from './logger.js';
import { readinessHandler } from './ops/health.js';
import {
  type Operations,
  cardsByRule,
  createOperations,
  errorSummary,
  fhirRequestObserver,
  recordIssuedCards,
  recordSuppressedCards,
} from './ops/operations.js';
import { type SuppressionDeps, applySuppression } from './suppression/apply.js';
import { suppressionDisabled, suppressionNotice } from './suppression/extension.js';
import { KeyedHasher } from './suppression/keys.js';
import { hookTimer, metricsHandler, registerReplayCacheMetric } from './ops/metrics.js';
import { requestLogger, setLogFields } from './ops/request-log.js';
import { type ClientKey, ForeignCardError, NO_CLIENT } from './store/types.js';

/** Everything the app needs, injected so tests can build it with their own clock and data. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly templates: ReadonlyMap<string, CardTemplate>;
  readonly now?: () => Date;
  /** The demo FHIR store; mounted at /demo/fhir when `config.demoFhir` is on. */
  readonly demoStore?: FhirStore;
  /** Store, card-log queue, metrics and readiness; default: an in-memory store (tests). */
  readonly ops?: Operations;
  /**
   * Folder of the built pages (default: dist/web): the EHR simulator, served at /demo with the demo
   * FHIR server, and the governance dashboard, served at /admin/ with the admin token.
   */
  readonly simulatorAssetsDir?: string;
  /** JWT authentication of CDS clients (required in production; off when absent). */
  readonly auth?: Auth;
  /**
   * The demo issuer (`CDS_DEMO_ISSUER`): serves `POST /demo/api/jwt` with the simulator, whose calls it
   * signs. Its client must be registered with `auth` for the tokens to be accepted. Never in production.
   */
  readonly demoIssuer?: DemoIssuer;
  /** The keyed hashes of patient ids, facts and sessions; default: from `config.patientKeySecret`. */
  readonly hasher?: KeyedHasher;
}

const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

/** The client of this call: the verified token's `iss` and `tenant`, or {@link NO_CLIENT} without authentication. */
function clientOf(res: Response): ClientKey {
  const caller = callerOf(res);
  return caller ? { iss: caller.iss, tenant: caller.tenant ?? '' } : NO_CLIENT;
}

/** Builds the express app. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, templates } = deps;
  const now = deps.now ?? (() => new Date());
  if (config.production && !deps.auth) {
    throw new Error('refusing to start in production without authentication: set CDS_CLIENTS_FILE');
  }
  if (config.production && config.demoFhir) {
    throw new Error(
      'refusing to start in production with the demo FHIR server (DEMO_FHIR is for demos only)',
    );
  }
  if (config.production && deps.demoIssuer) {
    throw new Error(
      'refusing to start in production with the demo issuer (CDS_DEMO_ISSUER is for demos only)',
    );
  }
  // Authentication on discovery, service and feedback calls; not on the preflight, health or demo routes.
  const authenticate: RequestHandler = deps.auth?.authenticate ?? ((_req, _res, next) => next());
  const ops = deps.ops ?? createOperations({ logger });
  const onFhirRequest = fhirRequestObserver(ops.metrics);
  const auth = deps.auth;
  if (auth) registerReplayCacheMetric(ops.metrics, () => auth.replayCacheFullRefusals());
  const app = express();
  app.disable('x-powered-by');
  // Hook responses are never cached or revalidated: skip hashing every body for an ETag.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestLogger(logger));
  // Security headers. The CSP is set below for the API routes only, so that the demo pages can set their own.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  // Cards, FHIR data and feedback are PHI: no browser or proxy may keep a copy of any answer. (The
  // simulator's static page and scripts say `no-cache` themselves: they hold no patient data.)
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(
    '/cds-services',
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    }),
  );

  // CORS for browser-based CDS clients; the preflight never needs a token.
  app.use(
    cors({
      origin: config.corsOrigins === '*' ? '*' : [...config.corsOrigins],
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(
    '/readyz',
    readinessHandler(
      [
        ...ops.readiness,
        {
          name: 'templates',
          check: () => (templates.size > 0 ? Promise.resolve() : Promise.reject(new Error('none'))),
        },
      ],
      () => ops.lifecycle.draining,
    ),
  );
  app.get('/metrics', metricsHandler(ops.metrics));
  if (config.adminToken)
    app.use(
      '/admin',
      adminRouter({
        token: config.adminToken,
        ops,
        logger,
        now,
        templates,
        ...(deps.simulatorAssetsDir ? { pagesDir: deps.simulatorAssetsDir } : {}),
      }),
    );

  const demo = config.demoFhir && deps.demoStore !== undefined;
  app.get('/', (req, res) => {
    // A browser goes to the EHR simulator; API clients get the JSON index.
    if (demo && req.accepts(['json', 'html']) === 'html') {
      res.redirect(302, '/demo/');
      return;
    }
    res.json({
      service: 'Refractory restless legs syndrome CDS Hooks service',
      discovery: `${config.publicUrl}/cds-services`,
      ...(demo
        ? { demoFhirServer: `${config.publicUrl}/demo/fhir`, ehrSimulator: `${config.publicUrl}/demo/` }
        : {}),
    });
  });

  if (config.demoFhir && deps.demoStore) {
    app.use('/demo/fhir', demoFhirRouter(deps.demoStore));
    app.use(
      '/demo',
      simulatorRouter({
        fhirServer: `${config.publicUrl}/demo/fhir`,
        publicUrl: config.publicUrl,
        now,
        ...(deps.demoIssuer ? { issuer: deps.demoIssuer } : {}),
        ...(deps.simulatorAssetsDir ? { assetsDir: deps.simulatorAssetsDir } : {}),
      }),
    );
  }

  app.get('/cds-services', authenticate, (_req, res) => {
    res.json({ services: SERVICES.map(discoveryEntry) });
  });

  const json = express.json({ limit: config.maxRequestBytes, type: JSON_TYPES, strict: true });

  const hasher = deps.hasher ?? new KeyedHasher(config.patientKeySecret);
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
  app.post(
    '/cds-services/:id',
    timeHook,
    authenticate,
    json,
    async (req: Request<{ id: string }>, res: Response) => {
      const service = findService(req.params.id);
      if (!service) {
        res.status(404).json(outcome('not-found', `no CDS service with id "${req.params.id}"`));
        return;
      }
      let hookInstance: string | undefined;
      try {
        const request = parseHookRequest(req.body, service.hook);
        hookInstance = request.hookInstance;
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
        if (result.status === 412) {
          setLogFields(
            res,
            {
              hookInstance: hookInstance.slice(0, 100),
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
            hookInstance: hookInstance.slice(0, 100),
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
          hookInstance,
          client,
          patientHash: split.patientHash,
          sessionHash: split.sessionHash,
        };
        recordIssuedCards(ops, call, split.shown, answeredAt);
        recordSuppressedCards(ops, call, split.held, answeredAt);
      } catch (error) {
        if (error instanceof ValidationError || error instanceof PrefetchShapeError) {
          const field = error instanceof ValidationError ? error.field : error.field;
          setLogFields(
            res,
            { hookInstance: hookInstance?.slice(0, 100), service: service.id, field },
            'hook call rejected',
          );
          res.status(400).json(outcome('invalid', error.message, field));
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
  app.post(
    '/cds-services/:id/feedback',
    authenticate,
    feedbackJson,
    async (req: Request<{ id: string }>, res: Response) => {
      const service = findService(req.params.id);
      if (!service) {
        res.status(404).json(outcome('not-found', `no CDS service with id "${req.params.id}"`));
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
            res
              .status(403)
              .json(
                outcome(
                  'forbidden',
                  `feedback.${error.index}.card: was not issued to this client; nothing in this request was stored`,
                  `feedback.${error.index}.card`,
                ),
              );
            return;
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
        if (error instanceof FeedbackBatchTooLargeError) {
          res.status(413).json(outcome('too-costly', error.message, 'feedback'));
          return;
        }
        if (error instanceof ValidationError) {
          res.status(400).json(outcome('invalid', error.message, error.field));
          return;
        }
        throw error;
      }
    },
  );

  app.use((req, res) => {
    res.status(404).json(outcome('not-found', `${req.method} ${req.path} is not a route of this service`));
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const e = error as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json(outcome('structure', 'request body is not valid JSON', '(body)'));
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json(outcome('too-costly', 'request body is too large'));
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json(outcome('invalid', 'the request could not be read'));
      return;
    }
    logger.error(
      { path: req.path, err: { name: (error as Error)?.name, message: (error as Error)?.message } },
      'unhandled error',
    );
    res.status(500).json(outcome('exception', 'internal error; the request was not processed'));
  };
  app.use(onError);
  return app;
}
