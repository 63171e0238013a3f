/**
 * The built-in EHR simulator: a page (built from web/ by `npm run build`)
 * and the small API it uses besides the CDS service itself: the orderable
 * drugs, the facts the service derives from a request, and (with the demo
 * issuer) signed JWTs for its calls. Mounted at /demo whenever the demo FHIR
 * server is on (never in production unless enabled).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { ValidationError } from '../../protocol/errors.js';
import { parseHookRequest } from '../../cds-hooks/request.js';
import type { DemoIssuer } from '../issuer.js';
import type { SessionView } from './api-types.js';
import { factsFor } from './facts.js';
import { orderables } from './orderables.js';

/** Where `npm run build` puts the page (dist/web at the project root, from src/ or dist/ alike). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The files of the page, by URL path. Nothing else is served from the folder. */
const ASSETS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/simulator.js': 'simulator.js',
  '/simulator.css': 'simulator.css',
  '/base.css': 'base.css',
};

/**
 * The page may load and call only its own origin: no inline script, nothing
 * from another host. Card markdown is sanitised in the page; this is the
 * second line of defence.
 */
export const SIMULATOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** Options of the simulator. */
export interface SimulatorOptions {
  /** Absolute URL of the demo FHIR server, sent to the service as `fhirServer`. */
  readonly fhirServer: string;
  /** The service's clock, so the chart's facts match the cards. */
  readonly now: () => Date;
  /** Folder of the built page; defaults to {@link DEFAULT_ASSETS_DIR}. */
  readonly assetsDir?: string;
  /** The service's external base URL (`CDS_PUBLIC_URL`): JWT audiences are built from it. */
  readonly publicUrl: string;
  /** The demo issuer: when present, the page signs every call with a JWT from `POST /api/jwt`. */
  readonly issuer?: DemoIssuer;
}

/** The simulated clinician. */
export const DEMO_USER = 'Practitioner/demo-prescriber';

/** The simulator as an express router (mount it at /demo). */
export function simulatorRouter(options: SimulatorOptions): Router {
  const dir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const router = express.Router();
  const json = express.json({ limit: '10mb', type: ['application/json', 'application/*+json'] });

  router.get(Object.keys(ASSETS), (req: Request, res: Response) => {
    if (req.path === '/' && !req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(302, `${req.baseUrl}/`);
      return;
    }
    const file = join(dir, ASSETS[req.path] ?? 'index.html');
    if (!existsSync(file)) {
      res
        .status(503)
        .type('text/plain')
        .send('The simulator page has not been built: run `npm run build` (npm start does it).\n');
      return;
    }
    res.set({
      'Content-Security-Policy': SIMULATOR_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    res.sendFile(file);
  });

  router.get('/api/session', (_req, res) => {
    const session: SessionView = {
      fhirServer: options.fhirServer,
      userId: DEMO_USER,
      publicUrl: options.publicUrl,
      jwt: options.issuer !== undefined,
    };
    res.json(session);
  });

  // A JWT of the demo issuer for one call: `{ aud }` in, `{ token }` out; only this service's endpoints.
  const issuer = options.issuer;
  if (issuer) {
    router.post('/api/jwt', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
      res.set('Cache-Control', 'no-store');
      const aud = (req.body as { aud?: unknown } | undefined)?.aud;
      if (typeof aud !== 'string' || !issuer.accepts(aud)) {
        throw new ValidationError(
          'aud',
          `must be the URL of an endpoint of this service (${options.publicUrl}/cds-services, a service or its feedback URL)`,
        );
      }
      res.json({ token: await issuer.sign(aud, options.now()) });
    });
  }

  router.get('/api/orderables', (_req, res) => {
    res.json(orderables());
  });

  // The same body as a hook call; answers the facts that call's service derives from its prefetch.
  router.post('/api/facts', json, async (req: Request, res: Response) => {
    const hook = (req.body as { hook?: unknown } | undefined)?.hook;
    if (hook !== 'patient-view' && hook !== 'order-select' && hook !== 'order-sign') {
      throw new ValidationError('hook', 'must be patient-view, order-select or order-sign');
    }
    res.json(await factsFor(parseHookRequest(req.body, hook), options.now()));
  });

  return router;
}
