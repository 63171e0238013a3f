/**
 * The express app: middleware and routes, nothing clinical. Every route
 * answers JSON; errors are OperationOutcomes without internals.
 */
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Auth } from './auth/index.js';
import type { CardTemplate } from './cards/templates.js';
import { outcome, sendKnownError } from './protocol/errors.js';
import { adminRouter } from './admin/router.js';
import { cdsHooksRouter } from './cds-hooks/routes.js';
import { type Config, checkProductionSecrets } from './config.js';
import { type DemoIssuer, type FhirStore, mountDemo } from './demo/index.js';
import type { Logger } from './logger.js';
import { readinessHandler } from './ops/health.js';
import { type Operations, createOperations } from './ops/operations.js';
import { KeyedHasher } from './suppression/keys.js';
import { metricsHandler, registerReplayCacheMetric } from './ops/metrics.js';
import { requestLogger } from './ops/request-log.js';

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
  if (config.production && !deps.hasher) checkProductionSecrets(config);
  // Authentication on discovery, service and feedback calls; not on the preflight, health or demo routes.
  const authenticate: RequestHandler = deps.auth?.authenticate ?? ((_req, _res, next) => next());
  const ops = deps.ops ?? createOperations({ logger });
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

  const demo = mountDemo(app, config, {
    now,
    ...(deps.demoStore ? { store: deps.demoStore } : {}),
    ...(deps.demoIssuer ? { issuer: deps.demoIssuer } : {}),
    ...(deps.simulatorAssetsDir ? { assetsDir: deps.simulatorAssetsDir } : {}),
  });
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

  app.use(
    cdsHooksRouter({
      config,
      logger,
      templates,
      now,
      ops,
      authenticate,
      hasher: deps.hasher ?? new KeyedHasher(config.patientKeySecret),
    }),
  );

  app.use((req, res) => {
    res.status(404).json(outcome('not-found', `${req.method} ${req.path} is not a route of this service`));
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (sendKnownError(res, error)) return;
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
