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
import { FeedbackDeduplicator } from './cds-hooks/feedback.js';
import { handleHook } from './cds-hooks/handler.js';
import { ValidationError, parseFeedback, parseHookRequest } from './cds-hooks/request.js';
import { SERVICES, discoveryEntry, findService } from './cds-hooks/services.js';
import type { Config } from './config.js';
import { demoFhirRouter } from './demo/fhir-server.js';
import type { FhirStore } from './demo/fhir-store.js';
import { PrefetchShapeError } from './fhir/gather.js';
import type { Logger } from './logger.js';

/** Everything the app needs, injected so tests can build it with their own clock and data. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly templates: ReadonlyMap<string, CardTemplate>;
  readonly now?: () => Date;
  /** The demo FHIR store; mounted at /demo/fhir when `config.demoFhir` is on. */
  readonly demoStore?: FhirStore;
  /** JWT authentication of CDS clients (required in production; off when absent). */
  readonly auth?: Auth;
}

const JSON_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

/** Builds the express app. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, templates } = deps;
  const now = deps.now ?? (() => new Date());
  if (config.production && !deps.auth) {
    throw new Error('refusing to start in production without authentication: set CDS_CLIENTS_FILE');
  }
  // Authentication on discovery, service and feedback calls; not on the preflight, health or demo routes.
  const authenticate: RequestHandler = deps.auth?.authenticate ?? ((_req, _res, next) => next());
  const feedbackSeen = new FeedbackDeduplicator();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Security headers. The CSP is set below for the API routes only, so that the demo pages can set their own.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
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

  app.get('/', (_req, res) => {
    res.json({
      service: 'Refractory restless legs syndrome CDS Hooks service',
      discovery: `${config.publicUrl}/cds-services`,
      ...(config.demoFhir && deps.demoStore ? { demoFhirServer: `${config.publicUrl}/demo/fhir` } : {}),
    });
  });

  if (config.demoFhir && deps.demoStore) app.use('/demo/fhir', demoFhirRouter(deps.demoStore));

  app.get('/cds-services', authenticate, (_req, res) => {
    res.json({ services: SERVICES.map(discoveryEntry) });
  });

  const json = express.json({ limit: config.maxRequestBytes, type: JSON_TYPES, strict: true });

  app.post('/cds-services/:id', authenticate, json, async (req: Request<{ id: string }>, res: Response) => {
    const started = process.hrtime.bigint();
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
      const result = await handleHook(service, request, {
        templates,
        baseUrl: config.publicUrl,
        fhirTimeoutMs: config.fhirTimeoutMs,
        fhirMaxPages: config.fhirMaxPages,
        fhirMaxResponseBytes: config.fhirMaxResponseBytes,
        now,
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status === 412) {
        logger.info(
          {
            hookInstance,
            service: service.id,
            status: 412,
            ms,
            missing: result.missing.map((m) => m.key),
            fhirRequests: result.fhirRequests,
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
      logger.info(
        {
          hookInstance,
          service: service.id,
          status: 200,
          ms,
          cards: result.ruleIds,
          fhirRequests: result.fhirRequests,
        },
        'hook call',
      );
      res.json({ cards: result.cards });
    } catch (error) {
      if (error instanceof ValidationError || error instanceof PrefetchShapeError) {
        const field = error instanceof ValidationError ? error.field : error.field;
        logger.info({ hookInstance, service: service.id, status: 400, field }, 'hook call rejected');
        res.status(400).json(outcome('invalid', error.message, field));
        return;
      }
      throw error;
    }
  });

  app.post(
    '/cds-services/:id/feedback',
    authenticate,
    json,
    (req: Request<{ id: string }>, res: Response) => {
      const service = findService(req.params.id);
      if (!service) {
        res.status(404).json(outcome('not-found', `no CDS service with id "${req.params.id}"`));
        return;
      }
      try {
        const entries = parseFeedback(req.body);
        let recorded = 0;
        for (const entry of entries) {
          if (!feedbackSeen.firstTime(FeedbackDeduplicator.key(service.id, entry))) continue;
          recorded += 1;
          logger.info(
            {
              service: service.id,
              card: entry.card,
              outcome: entry.outcome,
              acceptedSuggestions: entry.acceptedSuggestions?.map((s) => s.id),
              overrideReason: entry.overrideReason?.reason?.code,
              outcomeTimestamp: entry.outcomeTimestamp,
            },
            'feedback',
          );
        }
        res.json({ received: entries.length, recorded });
      } catch (error) {
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
